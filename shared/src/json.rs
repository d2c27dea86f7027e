//! A small path-tracking reader over `serde_json::Value`, so every loader (eval input,
//! policy, calendar) reports errors that name the field instead of a line and column.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde_json::{Map, Value};

use crate::error::FieldError;

/// A JSON value together with its path from the document root.
#[derive(Clone, Copy)]
pub(crate) struct Node<'a> {
    pub(crate) value: &'a Value,
    path: &'a Path<'a>,
}

/// A linked path, cheap to extend while walking down.
pub(crate) enum Path<'a> {
    Root(&'a str),
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    pub(crate) fn render(&self) -> String {
        match self {
            Path::Root(name) => (*name).to_string(),
            Path::Key(parent, key) => {
                let p = parent.render();
                if p.is_empty() {
                    (*key).to_string()
                } else {
                    format!("{p}.{key}")
                }
            }
            Path::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

pub(crate) type R<T> = Result<T, FieldError>;

impl<'a> Node<'a> {
    pub(crate) fn new(value: &'a Value, path: &'a Path<'a>) -> Self {
        Node { value, path }
    }

    pub(crate) fn path(&self) -> String {
        self.path.render()
    }

    pub(crate) fn err(&self, message: impl Into<String>) -> FieldError {
        FieldError::new(self.path(), message)
    }

    pub(crate) fn object(&self) -> R<&'a Map<String, Value>> {
        self.value
            .as_object()
            .ok_or_else(|| self.err("not an object"))
    }

    pub(crate) fn array(&self) -> R<&'a Vec<Value>> {
        self.value
            .as_array()
            .ok_or_else(|| self.err("not an array"))
    }

    pub(crate) fn str(&self) -> R<&'a str> {
        self.value.as_str().ok_or_else(|| self.err("not a string"))
    }

    pub(crate) fn bool(&self) -> R<bool> {
        self.value
            .as_bool()
            .ok_or_else(|| self.err("not true or false"))
    }

    /// A whole number in `min..=max`.
    pub(crate) fn int(&self, min: i64, max: i64) -> R<i64> {
        let n = self
            .value
            .as_i64()
            .or_else(|| {
                // 10.0 is a whole number too; JSON writers sometimes emit it.
                self.value
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
            .ok_or_else(|| self.err("not a whole number"))?;
        if n < min || n > max {
            return Err(self.err(format!("must be between {min} and {max}")));
        }
        Ok(n)
    }

    pub(crate) fn number(&self, min: f64, max: f64) -> R<f64> {
        let n = self
            .value
            .as_f64()
            .ok_or_else(|| self.err("not a number"))?;
        if !(min..=max).contains(&n) {
            return Err(self.err(format!("must be between {min} and {max}")));
        }
        Ok(n)
    }

    pub(crate) fn time(&self) -> R<DateTime<FixedOffset>> {
        let s = self
            .value
            .as_str()
            .ok_or_else(|| self.err("not an RFC 3339 time"))?;
        DateTime::parse_from_rfc3339(s.trim()).map_err(|_| self.err("not an RFC 3339 time"))
    }

    pub(crate) fn date(&self) -> R<NaiveDate> {
        let s = self
            .value
            .as_str()
            .ok_or_else(|| self.err("not a date (YYYY-MM-DD)"))?;
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| self.err("not a date (YYYY-MM-DD)"))
    }

    /// A clock time `HH:MM` (or `HH:MM:SS`).
    pub(crate) fn clock(&self) -> R<NaiveTime> {
        let s = self
            .value
            .as_str()
            .ok_or_else(|| self.err("not a clock time (HH:MM)"))?;
        parse_clock(s).ok_or_else(|| self.err("not a clock time (HH:MM)"))
    }

    pub(crate) fn offset(&self) -> R<FixedOffset> {
        let s = self
            .value
            .as_str()
            .ok_or_else(|| self.err("not a UTC offset (+08:00)"))?;
        parse_offset(s).ok_or_else(|| self.err("not a UTC offset (+08:00)"))
    }
}

/// Walks into `key` of an object node and calls `f` on the child, or returns `None`
/// when the key is absent or null (absent and null mean the same in every loader).
pub(crate) fn opt<'a, T>(
    parent: &Node<'a>,
    map: &'a Map<String, Value>,
    key: &str,
    f: impl FnOnce(Node<'_>) -> R<T>,
) -> R<Option<T>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let path = Path::Key(parent.path, key);
            f(Node::new(v, &path)).map(Some)
        }
    }
}

/// Like [`opt`] but the key must be present.
pub(crate) fn req<'a, T>(
    parent: &Node<'a>,
    map: &'a Map<String, Value>,
    key: &str,
    f: impl FnOnce(Node<'_>) -> R<T>,
) -> R<T> {
    opt(parent, map, key, f)?.ok_or_else(|| {
        let path = Path::Key(parent.path, key);
        FieldError::new(path.render(), "missing")
    })
}

/// Calls `f` on every element of an array node.
pub(crate) fn each<T>(node: &Node<'_>, mut f: impl FnMut(Node<'_>) -> R<T>) -> R<Vec<T>> {
    let items = node.array()?;
    let mut out = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        let path = Path::Index(node.path, i);
        out.push(f(Node::new(v, &path))?);
    }
    Ok(out)
}

/// `HH:MM` or `HH:MM:SS`; `24:00` is not a clock time here.
pub(crate) fn parse_clock(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .ok()
}

/// `+08:00`, `+0800`, `+08`, `-05:30`, `Z` or `UTC`.
pub(crate) fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") {
        return FixedOffset::east_opt(0);
    }
    let s = s
        .strip_prefix("UTC")
        .or_else(|| s.strip_prefix("utc"))
        .unwrap_or(s);
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Parses a whole document, naming `root` when the text is not JSON at all.
pub(crate) fn parse_document(text: &str, root: &str) -> R<Value> {
    serde_json::from_str(text).map_err(|e| {
        let name = if root.is_empty() { "input" } else { root };
        FieldError::new(name, format!("not valid JSON ({e})"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+08:00"), FixedOffset::east_opt(8 * 3600));
        assert_eq!(
            parse_offset("+0530"),
            FixedOffset::east_opt(5 * 3600 + 1800)
        );
        assert_eq!(parse_offset("-05"), FixedOffset::west_opt(5 * 3600));
        assert_eq!(parse_offset("Z"), FixedOffset::east_opt(0));
        assert_eq!(parse_offset("08:00"), None);
        assert_eq!(parse_offset("+25:00"), None);
    }

    #[test]
    fn paths_render_like_json() {
        let root = Path::Root("");
        let orders = Path::Key(&root, "orders");
        let third = Path::Index(&orders, 3);
        let at = Path::Key(&third, "reported_at");
        assert_eq!(at.render(), "orders[3].reported_at");
    }
}
