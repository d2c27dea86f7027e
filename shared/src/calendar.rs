//! Business calendars (D-8): an estate's UTC offset, public holidays and make-up working
//! days, as data a manager edits; never a year's holidays hard-coded in logic.

use std::collections::BTreeSet;

use chrono::Offset as _;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::json::{self, Node, Path, R};

/// Errors from loading a calendar name the field (`holidays[2]: not a date`).
pub type CalendarError = FieldError;

/// The official 2026 notice of the State Council (国务院办公厅关于2026年部分节假日安排的
/// 通知, 2025-11-04, published by Xinhua; the file cites its source). Embedded so the
/// app works offline and every build agrees on it.
const CN_2026: &str = include_str!("../calendars/cn-2026.json");

/// Which dates are working days, and the clock the estate lives by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// All local times (night, end of day, 09:00…) are taken in this offset.
    #[serde(with = "offset_serde")]
    pub utc_offset: FixedOffset,
    /// Non-working dates (public holidays, including those falling on weekdays).
    pub holidays: BTreeSet<NaiveDate>,
    /// Working dates that fall on a weekend (调休 make-up days).
    pub workdays: BTreeSet<NaiveDate>,
}

/// The default offset of the presets (Beijing time), per EVAL.md.
pub fn china_offset() -> FixedOffset {
    // 8 h is within FixedOffset's ±24 h range, so the UTC fallback is never taken.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix())
}

/// An estate's offset as written in its settings (`+08:00`, `+0800`, `Z`, …): the one parser
/// the loaders, the server and the app share.
pub fn parse_offset(s: &str) -> Option<FixedOffset> {
    crate::json::parse_offset(s)
}

impl Default for Calendar {
    /// UTC+08:00 with no holidays: EVAL.md's default when the input has no calendar.
    fn default() -> Self {
        Calendar::plain(china_offset())
    }
}

impl Calendar {
    /// Monday–Friday only, in the given offset.
    pub fn plain(utc_offset: FixedOffset) -> Self {
        Calendar {
            utc_offset,
            holidays: BTreeSet::new(),
            workdays: BTreeSet::new(),
        }
    }

    /// China's 2026 calendar in UTC+08:00, from the embedded `calendars/cn-2026.json`.
    pub fn cn_2026() -> Self {
        // The embedded file is checked by a unit test, so this never falls back in practice.
        Calendar::from_json(CN_2026).unwrap_or_default()
    }

    /// Loads `{"utc_offset": "+08:00", "holidays": [...], "workdays": [...]}`; other
    /// keys (`region`, `source`, `notes`) are ignored. A missing offset means UTC+08:00.
    pub fn from_json(text: &str) -> Result<Calendar, CalendarError> {
        let value = json::parse_document(text, "calendar")?;
        let root = Path::Root("");
        Calendar::from_node(Node::new(&value, &root))
    }

    /// Loads a calendar from a JSON value; errors are relative to `node`'s path.
    pub fn from_value(value: &serde_json::Value) -> Result<Calendar, CalendarError> {
        let root = Path::Root("");
        Calendar::from_node(Node::new(value, &root))
    }

    pub(crate) fn from_node(node: Node<'_>) -> R<Calendar> {
        let map = node.object()?;
        let utc_offset =
            json::opt(&node, map, "utc_offset", |n| n.offset())?.unwrap_or(china_offset());
        let holidays = json::opt(&node, map, "holidays", |n| json::each(&n, |d| d.date()))?
            .unwrap_or_default();
        let workdays = json::opt(&node, map, "workdays", |n| json::each(&n, |d| d.date()))?
            .unwrap_or_default();
        Ok(Calendar {
            utc_offset,
            holidays: holidays.into_iter().collect(),
            workdays: workdays.into_iter().collect(),
        })
    }

    /// D-8 / EVAL.md: Monday–Friday not in `holidays`, or any date in `workdays`.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.workdays.contains(&date) {
            return true;
        }
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    /// The `n`-th working day strictly after `date` (`n = 0` gives `date` itself).
    /// `None` only past chrono's last representable date.
    pub fn nth_working_day_after(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        // `is_working_day` day by day, with the two date sets read as sorted cursors that
        // move along with `d` rather than searched afresh for every day: this runs for
        // every callback deadline of a batch.
        let mut holidays = self.holidays.range(date..).peekable();
        let mut workdays = self.workdays.range(date..).peekable();
        let mut d = date;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt()?;
            while holidays.next_if(|h| **h < d).is_some() {}
            while workdays.next_if(|w| **w < d).is_some() {}
            let working = workdays.peek() == Some(&&d)
                || (!matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
                    && holidays.peek() != Some(&&d));
            if working {
                left -= 1;
            }
        }
        Some(d)
    }

    /// Working days in `[from, to)`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            if self.is_working_day(d) {
                n += 1;
            }
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
        }
        n
    }

    /// `t` as a local wall-clock time in this calendar's offset.
    pub fn local(&self, t: DateTime<FixedOffset>) -> NaiveDateTime {
        t.with_timezone(&self.utc_offset).naive_local()
    }

    /// `t` re-expressed in this calendar's offset (the same instant).
    pub fn in_offset(&self, t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.utc_offset)
    }

    /// The instant of a local wall-clock time; `None` only at chrono's range limits.
    pub fn at(&self, local: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
        let utc = local.checked_sub_offset(self.utc_offset)?;
        Some(DateTime::from_naive_utc_and_offset(utc, self.utc_offset))
    }

    /// The instant of `time` on local `date`.
    pub fn at_date(&self, date: NaiveDate, time: NaiveTime) -> Option<DateTime<FixedOffset>> {
        self.at(date.and_time(time))
    }
}

/// Serialises the offset as `+08:00`, the form EVAL.md uses.
pub mod offset_serde {
    use chrono::FixedOffset;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(o: &FixedOffset, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_offset(*o))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<FixedOffset, D::Error> {
        let s = String::deserialize(d)?;
        crate::json::parse_offset(&s)
            .ok_or_else(|| serde::de::Error::custom("utc_offset: not a UTC offset (+08:00)"))
    }

    pub fn format_offset(o: FixedOffset) -> String {
        let secs = o.local_minus_utc();
        let sign = if secs < 0 { '-' } else { '+' };
        let m = secs.abs() / 60;
        format!("{sign}{:02}:{:02}", m / 60, m % 60)
    }
}

pub use offset_serde::format_offset;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn embedded_2026_calendar_loads() {
        let parsed = Calendar::from_json(CN_2026);
        assert!(parsed.is_ok(), "{parsed:?}");
        let cal = Calendar::cn_2026();
        assert_eq!(cal.utc_offset, china_offset());
        assert!(!cal.is_working_day(d("2026-10-01")), "National Day");
        assert!(cal.is_working_day(d("2026-10-10")), "make-up Saturday");
        assert!(cal.is_working_day(d("2026-01-04")), "make-up Sunday");
        assert!(!cal.is_working_day(d("2026-02-16")), "Spring Festival");
        assert!(cal.is_working_day(d("2026-03-10")));
        assert!(!cal.is_working_day(d("2026-03-14")), "a plain Saturday");
    }

    #[test]
    fn d8_nth_working_day_skips_holidays_and_counts_make_up_days() {
        let cal = Calendar::cn_2026();
        assert_eq!(
            cal.nth_working_day_after(d("2026-09-30"), 3),
            Some(d("2026-10-10"))
        );
        assert_eq!(
            cal.nth_working_day_after(d("2026-03-10"), 3),
            Some(d("2026-03-13"))
        );
        assert_eq!(
            cal.nth_working_day_after(d("2026-03-14"), 1),
            Some(d("2026-03-16"))
        );
        assert_eq!(
            cal.nth_working_day_after(d("2026-03-14"), 0),
            Some(d("2026-03-14"))
        );
    }

    #[test]
    fn errors_name_the_field() {
        let e = Calendar::from_json(r#"{"holidays": ["2026-01-01", "tomorrow"]}"#);
        assert_eq!(
            e.map_err(|e| e.to_string()),
            Err("holidays[1]: not a date (YYYY-MM-DD)".to_string())
        );
        let e = Calendar::from_json(r#"{"utc_offset": "CST"}"#);
        assert_eq!(
            e.map_err(|e| e.to_string()),
            Err("utc_offset: not a UTC offset (+08:00)".to_string())
        );
    }

    #[test]
    fn serde_round_trip() {
        let cal = Calendar::cn_2026();
        let text = serde_json::to_string(&cal).unwrap_or_default();
        assert!(text.contains("\"utc_offset\":\"+08:00\""));
        let back: Result<Calendar, _> = serde_json::from_str(&text);
        assert_eq!(back.ok(), Some(cal));
    }
}
