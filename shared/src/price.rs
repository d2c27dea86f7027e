//! Paid work (000 4.4.3, 003 10.4.1(4)): an estate's price list and the quote a technician
//! shows the resident before paid work starts. Money is an integer of fen (0.01 yuan), never a
//! float, so a total is exact and the same on a tablet and on the server.
//!
//! One check for the list ([`check_list`], before the server stores it and before the app's
//! editor saves it) and one for a quote ([`check_quote`], by the arrival check on both sides);
//! both name the field in English and Chinese.

use serde::{Deserialize, Serialize};

use crate::arrival::Refusal;

/// The most items an estate's price list holds.
pub const MAX_LIST_ITEMS: usize = 300;
/// The most lines one quote has.
pub const MAX_QUOTE_ITEMS: usize = 50;
/// The largest quantity of one line.
pub const MAX_QUANTITY: i64 = 10_000;
/// The largest price of one unit: 1,000,000 yuan.
pub const MAX_PRICE_FEN: i64 = 100_000_000;
/// The largest total of one quote: the largest compensation an order may carry, in fen.
pub const MAX_TOTAL_FEN: i64 = crate::arrival::MAX_YUAN as i64 * 100;
/// Lengths of a list item's words, in characters.
pub const SERVICE_MAX: usize = 50;
pub const UNIT_MAX: usize = 16;
pub const NOTES_MAX: usize = 200;
pub const ITEM_ID_MAX: usize = 32;

/// One service of the price list: "更换水龙头 / 个 / 35.00 元 / 不含材料".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceItem {
    /// The estate's own short code of the item (`tap`, `A01`): what a quote names.
    pub id: String,
    pub service: String,
    pub unit: String,
    pub price_fen: i64,
    #[serde(default)]
    pub notes: String,
}

/// An estate's price list, in the order its manager keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceList {
    #[serde(default)]
    pub items: Vec<PriceItem>,
}

impl PriceList {
    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&PriceItem> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// One line of a quote: a price-list item and how many, at the unit price the resident was
/// shown (a later change of the list does not change what was agreed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    pub item: String,
    pub quantity: i64,
    pub price_fen: i64,
}

/// A quote: the lines the technician picked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub items: Vec<QuoteLine>,
}

impl Quote {
    /// A quote of `(item id, quantity)` at the list's prices; an unknown item keeps price 0
    /// and is named by [`check_quote`].
    pub fn from_list(list: &PriceList, picks: &[(String, i64)]) -> Quote {
        Quote {
            items: picks
                .iter()
                .map(|(id, quantity)| QuoteLine {
                    item: id.clone(),
                    quantity: *quantity,
                    price_fen: list.item(id).map_or(0, |i| i.price_fen),
                })
                .collect(),
        }
    }
}

/// Fen as yuan with two decimals: `3550` → `35.50`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Yuan as typed (`35`, `35.5`, `35.50`) to fen; `None` for anything else (a third decimal,
/// a letter, an empty field). A minus sign is kept, so the check can name a negative price.
pub fn parse_yuan(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 12 {
        return None;
    }
    let frac_fen: i64 = format!("{frac:0<2}").parse().ok()?;
    let fen = whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(frac_fen)?;
    Some(if neg { -fen } else { fen })
}

fn chars(field: &str, row: usize, value: &str, min: usize, max: usize) -> Result<(), Refusal> {
    let n = value.trim().chars().count();
    if n < min {
        return Err(Refusal::new(
            field,
            format!("line {row}: required"),
            format!("第 {row} 行:必填"),
        ));
    }
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(Refusal::new(
            field,
            format!("line {row}: at most {max} characters, no control characters"),
            format!("第 {row} 行:最多 {max} 个字符,不能含控制字符"),
        ));
    }
    Ok(())
}

fn price(field: &str, row: usize, fen: i64) -> Result<(), Refusal> {
    if fen < 0 {
        return Err(Refusal::new(
            field,
            format!("line {row}: a price cannot be negative"),
            format!("第 {row} 行:价格不能为负数"),
        ));
    }
    if fen > MAX_PRICE_FEN {
        return Err(Refusal::new(
            field,
            format!("line {row}: at most {} yuan", yuan(MAX_PRICE_FEN)),
            format!("第 {row} 行:最多 {} 元", yuan(MAX_PRICE_FEN)),
        ));
    }
    Ok(())
}

fn item_id(field: &str, row: usize, id: &str) -> Result<(), Refusal> {
    let ok = !id.is_empty()
        && id.len() <= ITEM_ID_MAX
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(Refusal::new(
            field,
            format!("line {row}: 1 to {ITEM_ID_MAX} letters, digits, - or _"),
            format!("第 {row} 行:须为 1 至 {ITEM_ID_MAX} 个字母、数字、- 或 _"),
        ));
    }
    Ok(())
}

/// Whether a price list may be stored: every item named, priced from 0 up, ids unique.
/// Lines are counted from 1, as the editor shows them.
pub fn check_list(list: &PriceList) -> Result<(), Refusal> {
    if list.items.len() > MAX_LIST_ITEMS {
        return Err(Refusal::new(
            "items",
            format!("at most {MAX_LIST_ITEMS} items"),
            format!("最多 {MAX_LIST_ITEMS} 项"),
        ));
    }
    for (i, item) in list.items.iter().enumerate() {
        let row = i + 1;
        item_id("price_item", row, &item.id)?;
        if list.items[..i].iter().any(|other| other.id == item.id) {
            return Err(Refusal::new(
                "price_item",
                format!("line {row}: the code {} is used twice", item.id),
                format!("第 {row} 行:编号 {} 重复", item.id),
            ));
        }
        chars("service", row, &item.service, 1, SERVICE_MAX)?;
        chars("unit", row, &item.unit, 1, UNIT_MAX)?;
        price("price_fen", row, item.price_fen)?;
        chars("notes", row, &item.notes, 0, NOTES_MAX)?;
    }
    Ok(())
}

/// Checks a quote and gives its total in fen. `known` answers whether the estate's price list
/// has an item: `None` where the list is not at hand (the check is then the server's).
pub fn check_quote(quote: &Quote, known: &dyn Fn(&str) -> Option<bool>) -> Result<i64, Refusal> {
    if quote.items.is_empty() {
        return Err(Refusal::new(
            "quote",
            "pick at least one item",
            "请至少选择一项",
        ));
    }
    if quote.items.len() > MAX_QUOTE_ITEMS {
        return Err(Refusal::new(
            "quote",
            format!("at most {MAX_QUOTE_ITEMS} lines"),
            format!("最多 {MAX_QUOTE_ITEMS} 项"),
        ));
    }
    let mut total: i64 = 0;
    for (i, line) in quote.items.iter().enumerate() {
        let row = i + 1;
        item_id("price_item", row, &line.item)?;
        if known(&line.item) == Some(false) {
            return Err(Refusal::new(
                "price_item",
                format!(
                    "line {row}: {} is not on the estate's price list",
                    line.item
                ),
                format!("第 {row} 行:{} 不在本小区价目表中", line.item),
            ));
        }
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            return Err(Refusal::new(
                "quantity",
                format!("line {row}: 1 to {MAX_QUANTITY}"),
                format!("第 {row} 行:须为 1 至 {MAX_QUANTITY}"),
            ));
        }
        price("price_fen", row, line.price_fen)?;
        total = line
            .price_fen
            .checked_mul(line.quantity)
            .and_then(|fen| total.checked_add(fen))
            .filter(|t| *t <= MAX_TOTAL_FEN)
            .ok_or_else(|| {
                Refusal::new(
                    "total_fen",
                    format!("the total is over {} yuan", yuan(MAX_TOTAL_FEN)),
                    format!("合计超过 {} 元", yuan(MAX_TOTAL_FEN)),
                )
            })?;
    }
    Ok(total)
}

/// Checks a recorded quote: its lines, and that the total the resident confirmed is theirs.
pub fn check_quoted(
    quote: &Quote,
    total_fen: i64,
    known: &dyn Fn(&str) -> Option<bool>,
) -> Result<(), Refusal> {
    let total = check_quote(quote, known)?;
    if total != total_fen {
        return Err(Refusal::new(
            "total_fen",
            format!("not the sum of the lines ({})", yuan(total)),
            format!("与各项之和({} 元)不符", yuan(total)),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, price_fen: i64) -> PriceItem {
        PriceItem {
            id: id.into(),
            service: "更换水龙头".into(),
            unit: "个".into(),
            price_fen,
            notes: String::new(),
        }
    }

    fn line(item: &str, quantity: i64, price_fen: i64) -> QuoteLine {
        QuoteLine {
            item: item.into(),
            quantity,
            price_fen,
        }
    }

    fn list() -> PriceList {
        PriceList {
            items: vec![item("tap", 3500), item("pipe", 1250)],
        }
    }

    #[test]
    fn a_list_is_checked_field_by_field() {
        let cases: Vec<(PriceList, Option<(&str, &str)>)> = vec![
            (list(), None),
            (PriceList::default(), None),
            (
                PriceList {
                    items: vec![item("tap", -1)],
                },
                Some(("price_fen", "负数")),
            ),
            (
                PriceList {
                    items: vec![item("tap", 1), item("tap", 2)],
                },
                Some(("price_item", "重复")),
            ),
            (
                PriceList {
                    items: vec![item("水", 1)],
                },
                Some(("price_item", "字母")),
            ),
            (
                PriceList {
                    items: vec![PriceItem {
                        service: " ".into(),
                        ..item("tap", 1)
                    }],
                },
                Some(("service", "必填")),
            ),
            (
                PriceList {
                    items: vec![PriceItem {
                        unit: String::new(),
                        ..item("tap", 1)
                    }],
                },
                Some(("unit", "必填")),
            ),
            (
                PriceList {
                    items: vec![item("tap", MAX_PRICE_FEN + 1)],
                },
                Some(("price_fen", "最多")),
            ),
            (
                PriceList {
                    items: vec![item("tap", MAX_PRICE_FEN)],
                },
                None,
            ),
            (
                PriceList {
                    items: (0..=MAX_LIST_ITEMS)
                        .map(|i| item(&format!("i{i}"), 1))
                        .collect(),
                },
                Some(("items", "最多")),
            ),
        ];
        for (list, want) in cases {
            match (check_list(&list), want) {
                (Ok(()), None) => {}
                (Err(r), Some((field, zh))) => {
                    assert_eq!(r.field, field, "{r:?}");
                    assert!(r.zh.contains(zh), "{r:?}");
                    assert!(!r.en.is_empty());
                }
                (got, want) => panic!("{list:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn a_quote_totals_its_lines_or_names_the_bad_field() {
        let l = list();
        let on_list = |id: &str| Some(l.item(id).is_some());
        let cannot_tell = |_: &str| None;
        let q = |items: Vec<QuoteLine>| Quote { items };
        type Known<'a> = &'a dyn Fn(&str) -> Option<bool>;
        let cases: Vec<(Quote, Known, Result<i64, &str>)> = vec![
            (q(vec![line("tap", 2, 3500)]), &on_list, Ok(7000)),
            (
                q(vec![line("tap", 1, 3500), line("pipe", 3, 1250)]),
                &on_list,
                Ok(7250),
            ),
            (q(vec![line("tap", 1, 0)]), &on_list, Ok(0)),
            (q(vec![]), &on_list, Err("quote")),
            (q(vec![line("gold", 1, 100)]), &on_list, Err("price_item")),
            // A tablet without the list cannot tell: the server decides.
            (q(vec![line("gold", 1, 100)]), &cannot_tell, Ok(100)),
            (q(vec![line("tap", 0, 3500)]), &on_list, Err("quantity")),
            (q(vec![line("tap", -2, 3500)]), &on_list, Err("quantity")),
            (
                q(vec![line("tap", MAX_QUANTITY + 1, 1)]),
                &on_list,
                Err("quantity"),
            ),
            (q(vec![line("tap", 1, -3500)]), &on_list, Err("price_fen")),
            (
                q((0..=MAX_QUOTE_ITEMS).map(|_| line("tap", 1, 1)).collect()),
                &on_list,
                Err("quote"),
            ),
            (
                q(vec![line("tap", MAX_QUANTITY, MAX_PRICE_FEN)]),
                &on_list,
                Err("total_fen"),
            ),
            (
                q((0..MAX_QUOTE_ITEMS)
                    .map(|_| line("tap", MAX_QUANTITY, MAX_PRICE_FEN))
                    .collect()),
                &on_list,
                Err("total_fen"),
            ),
            // The largest total allowed, exactly, and one fen more.
            (
                q(vec![line("tap", 100, MAX_PRICE_FEN), line("pipe", 1, 0)]),
                &on_list,
                Ok(MAX_TOTAL_FEN),
            ),
            (
                q(vec![line("tap", 100, MAX_PRICE_FEN), line("pipe", 1, 1)]),
                &on_list,
                Err("total_fen"),
            ),
        ];
        for (quote, known, want) in cases {
            let got = check_quote(&quote, known);
            match (&got, want) {
                (Ok(total), Ok(w)) => assert_eq!(*total, w, "{quote:?}"),
                (Err(r), Err(field)) => {
                    assert_eq!(r.field, field, "{quote:?}: {r:?}");
                    assert!(!r.zh.is_empty() && !r.en.is_empty());
                }
                _ => panic!("{quote:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn a_recorded_total_must_be_the_sum_of_its_lines() {
        let quote = Quote {
            items: vec![line("tap", 2, 3500)],
        };
        let known = |_: &str| Some(true);
        assert!(check_quoted(&quote, 7000, &known).is_ok());
        let r = check_quoted(&quote, 6999, &known).unwrap_err();
        assert_eq!(r.field, "total_fen");
        assert!(r.zh.contains("70.00"), "{r:?}");
    }

    #[test]
    fn yuan_reads_and_prints_exactly() {
        for (text, fen) in [
            ("35", Some(3500)),
            ("35.5", Some(3550)),
            ("35.05", Some(3505)),
            ("0.01", Some(1)),
            ("-2", Some(-200)),
            (" 7 ", Some(700)),
            ("35.555", None),
            ("", None),
            ("abc", None),
            (".5", None),
            ("1e3", None),
            ("9999999999999", None),
        ] {
            assert_eq!(parse_yuan(text), fen, "{text:?}");
        }
        assert_eq!(yuan(3505), "35.05");
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(-150), "-1.50");
        let list = list();
        let quote = Quote::from_list(&list, &[("pipe".into(), 2), ("gold".into(), 1)]);
        assert_eq!(quote.items[0].price_fen, 1250);
        assert_eq!(quote.items[1].price_fen, 0);
    }
}
