//! The monthly billing statement of paid work and special services (特约服务按月结算,
//! 000 4.4.3): for an estate and a month, every household's completed paid orders with the
//! lines the resident agreed before the work, and the estate's list for its finance — one
//! computation for the JSON, the print view and the workbook.
//!
//! An order is billed in the month (in the estate's own time) its work was last completed:
//! completion fixes the amount (`OrderState::amount_fen`), and a reopened and re-completed
//! order is billed once, when it is done again.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::model::{Category, EventKind};
use crate::order::OrderState;
use crate::price::PriceList;

/// One agreed line, with the price list's words for its item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillLine {
    pub item: String,
    /// The service and unit as the estate's list names the item now; the item's code when
    /// the list no longer has it (the agreed price stays the one on the quote).
    pub service: String,
    pub unit: String,
    pub quantity: i64,
    pub price_fen: i64,
    pub amount_fen: i64,
}

/// One completed paid order of a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BilledOrder {
    pub order_id: String,
    pub reference: String,
    pub category: Category,
    pub completed_at: DateTime<FixedOffset>,
    pub lines: Vec<BillLine>,
    pub total_fen: i64,
}

/// A household's statement: its address as reported and its orders of the month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdBill {
    /// 「3栋2单元1201」; empty when the order named no room.
    pub location: String,
    pub orders: Vec<BilledOrder>,
    pub total_fen: i64,
}

/// An estate's month: the households billed (by address) and the estate's total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub estate_id: String,
    pub estate_name: String,
    pub month: String,
    /// The month's first and last day in the estate's own time.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub households: Vec<HouseholdBill>,
    /// Paid orders billed, and how many of them were special services.
    pub orders: usize,
    pub special_services: usize,
    pub total_fen: i64,
}

/// When the order's work was last completed, if it was.
pub fn completed_at(order: &OrderState) -> Option<DateTime<FixedOffset>> {
    order
        .milestones
        .iter()
        .filter(|(kind, ..)| *kind == EventKind::Completed)
        .map(|(_, at, _)| *at)
        .max()
}

/// The statement of `month` (`2026-03`) for an estate whose time is `offset`, from its
/// orders with their reference numbers (any orders: those not paid or not completed in the
/// month are left out) and its current price list (for the items' words).
pub fn statement(
    estate_id: &str,
    estate_name: &str,
    month: &str,
    offset: FixedOffset,
    orders: &[(OrderState, String)],
    list: &PriceList,
) -> Result<Statement, FieldError> {
    let (first_day, next) = crate::dashboard::month_range(month)?;
    let mut households: Vec<HouseholdBill> = Vec::new();
    for (order, reference) in orders {
        let (Some(total_fen), Some(done)) = (order.amount_fen, completed_at(order)) else {
            continue;
        };
        let day = done.with_timezone(&offset).date_naive();
        if day < first_day || day >= next {
            continue;
        }
        let lines = order
            .quote
            .as_ref()
            .map(|q| {
                q.items
                    .iter()
                    .map(|l| {
                        let named = list.item(&l.item);
                        BillLine {
                            item: l.item.clone(),
                            service: named.map_or_else(|| l.item.clone(), |i| i.service.clone()),
                            unit: named.map(|i| i.unit.clone()).unwrap_or_default(),
                            quantity: l.quantity,
                            price_fen: l.price_fen,
                            amount_fen: l.price_fen.saturating_mul(l.quantity),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let billed = BilledOrder {
            order_id: order.id.clone(),
            reference: reference.clone(),
            category: order.category,
            completed_at: done,
            lines,
            total_fen,
        };
        let location = order.location.trim().to_string();
        match households.iter_mut().find(|h| h.location == location) {
            Some(h) => h.orders.push(billed),
            None => households.push(HouseholdBill {
                location,
                orders: vec![billed],
                total_fen: 0,
            }),
        }
    }
    // Addresses in order, a statement's orders by completion: the finance list reads down
    // the estate, each statement down the month.
    households.sort_by(|a, b| a.location.cmp(&b.location));
    let mut total_fen: i64 = 0;
    let mut count = 0;
    let mut special_services = 0;
    for h in &mut households {
        h.orders
            .sort_by(|a, b| (a.completed_at, &a.reference).cmp(&(b.completed_at, &b.reference)));
        h.total_fen = h
            .orders
            .iter()
            .fold(0i64, |t, o| t.saturating_add(o.total_fen));
        total_fen = total_fen.saturating_add(h.total_fen);
        count += h.orders.len();
        special_services += h
            .orders
            .iter()
            .filter(|o| o.category == Category::SpecialService)
            .count();
    }
    Ok(Statement {
        estate_id: estate_id.to_string(),
        estate_name: estate_name.to_string(),
        month: month.to_string(),
        first_day,
        last_day: next.pred_opt().unwrap_or(next),
        households,
        orders: count,
        special_services,
        total_fen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{Event, EventBody, Reported, fold};
    use crate::price::{PriceItem, QuoteLine};
    use crate::subject::Subject;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("time")
    }

    fn ev(order: &str, n: u64, at: &str, body: EventBody) -> Event {
        Event {
            id: format!("{order}-{n}"),
            subject: Subject::order(order),
            device_id: "d".into(),
            device_seq: n,
            hlc: crate::hlc::Hlc::new(n, 0),
            actor: "tech1".into(),
            at: t(at),
            body,
            seq: Some(n as i64),
        }
    }

    fn reported(location: &str, category: Category) -> EventBody {
        EventBody::Reported(Reported {
            text: "换水龙头".into(),
            channel: "phone".into(),
            category: Some(category),
            suggested: category,
            urgent: false,
            topic: None,
            place: None,
            building_id: String::new(),
            unit_id: String::new(),
            location: location.into(),
            phone_masked: "138****0000".into(),
        })
    }

    fn quoted(lines: &[(&str, i64, i64)]) -> EventBody {
        let items: Vec<QuoteLine> = lines
            .iter()
            .map(|(item, quantity, price_fen)| QuoteLine {
                item: (*item).into(),
                quantity: *quantity,
                price_fen: *price_fen,
            })
            .collect();
        let total_fen = items.iter().map(|l| l.quantity * l.price_fen).sum();
        EventBody::Quoted { items, total_fen }
    }

    /// An order reported, quoted and completed at `done` (or never completed).
    fn order(
        id: &str,
        location: &str,
        category: Category,
        lines: &[(&str, i64, i64)],
        done: Option<&str>,
    ) -> (OrderState, String) {
        let mut events = vec![
            ev(
                id,
                1,
                "2026-02-20T09:00:00+08:00",
                reported(location, category),
            ),
            ev(id, 2, "2026-02-20T10:00:00+08:00", quoted(lines)),
        ];
        if let Some(done) = done {
            events.push(ev(id, 3, done, EventBody::Completed));
        }
        (fold(id, &events).expect("folds"), format!("R-{id}"))
    }

    fn list() -> PriceList {
        PriceList {
            items: vec![PriceItem {
                id: "tap".into(),
                service: "更换水龙头".into(),
                unit: "个".into(),
                price_fen: 4000,
                notes: String::new(),
            }],
        }
    }

    fn cst() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).expect("+08:00")
    }

    #[test]
    fn a_month_bills_the_orders_completed_in_it_by_household() {
        let orders = vec![
            order(
                "a",
                "3栋2单元1201",
                Category::Repair,
                &[("tap", 2, 3500)],
                Some("2026-03-02T10:00:00+08:00"),
            ),
            order(
                "b",
                "1栋1单元101",
                Category::SpecialService,
                &[("clean", 1, 12000)],
                Some("2026-03-15T10:00:00+08:00"),
            ),
            order(
                "c",
                "3栋2单元1201",
                Category::SpecialService,
                &[("tap", 1, 3500), ("clean", 1, 500)],
                Some("2026-03-31T23:59:00+08:00"),
            ),
            // Completed in the estate's April, though still March in UTC: next month's.
            order(
                "d",
                "3栋2单元1201",
                Category::Repair,
                &[("tap", 1, 3500)],
                Some("2026-04-01T00:30:00+08:00"),
            ),
            // Completed in the estate's March, though still February in UTC: this month's.
            order(
                "e",
                "5栋1单元502",
                Category::Repair,
                &[("tap", 1, 100)],
                Some("2026-03-01T07:00:00+08:00"),
            ),
            // Not completed: nothing to bill yet.
            order(
                "f",
                "1栋1单元101",
                Category::Repair,
                &[("tap", 1, 3500)],
                None,
            ),
        ];
        let s = statement("est", "翠湖", "2026-03", cst(), &orders, &list()).expect("month");
        assert_eq!(
            s.first_day,
            NaiveDate::from_ymd_opt(2026, 3, 1).expect("day")
        );
        assert_eq!(
            s.last_day,
            NaiveDate::from_ymd_opt(2026, 3, 31).expect("day")
        );
        let where_: Vec<&str> = s.households.iter().map(|h| h.location.as_str()).collect();
        assert_eq!(where_, ["1栋1单元101", "3栋2单元1201", "5栋1单元502"]);
        let h = &s.households[1];
        assert_eq!(
            h.orders
                .iter()
                .map(|o| o.reference.as_str())
                .collect::<Vec<_>>(),
            ["R-a", "R-c"]
        );
        assert_eq!(h.total_fen, 7000 + 4000);
        // The list's words for a known item; the code where the list lacks it.
        assert_eq!(h.orders[0].lines[0].service, "更换水龙头");
        assert_eq!(h.orders[0].lines[0].unit, "个");
        assert_eq!(h.orders[0].lines[0].amount_fen, 7000);
        // The price agreed stays, whatever the list says now.
        assert_eq!(h.orders[0].lines[0].price_fen, 3500);
        assert_eq!(h.orders[1].lines[1].service, "clean");
        assert_eq!(s.orders, 4);
        assert_eq!(s.special_services, 2);
        assert_eq!(s.total_fen, 12000 + 11000 + 100);
    }

    #[test]
    fn a_reopened_order_is_billed_once_when_it_is_done_again() {
        let (mut o, r) = order(
            "a",
            "3栋2单元1201",
            Category::Repair,
            &[("tap", 1, 3500)],
            Some("2026-02-27T10:00:00+08:00"),
        );
        // Completed again in March after a failed callback: March's, once.
        o.milestones
            .push((EventKind::Completed, t("2026-03-03T10:00:00+08:00"), None));
        let feb = statement(
            "est",
            "翠湖",
            "2026-02",
            cst(),
            &[(o.clone(), r.clone())],
            &list(),
        )
        .expect("month");
        let mar = statement("est", "翠湖", "2026-03", cst(), &[(o, r)], &list()).expect("month");
        assert_eq!((feb.orders, mar.orders), (0, 1));
        assert_eq!(mar.total_fen, 3500);
    }

    #[test]
    fn a_bad_month_is_named() {
        for month in ["2026-13", "2026-3", "March", ""] {
            let e = statement("est", "翠湖", month, cst(), &[], &list()).expect_err(month);
            assert_eq!(e.field, "month", "{month}");
        }
        let empty = statement("est", "翠湖", "2026-03", cst(), &[], &list()).expect("month");
        assert_eq!(
            (empty.orders, empty.total_fen, empty.households.len()),
            (0, 0, 0)
        );
    }
}
