//! Paid work through the arrival check and the fold: a quote refused by name where the side
//! knows the estate's price list, left to the server where it does not, and the agreed total
//! becoming the completed order's amount.

use anju_shared::arrival::{self, Pusher, Unknown};
use anju_shared::hlc::Hlc;
use anju_shared::lang::Lang;
use anju_shared::model::{Category, Role};
use anju_shared::order::{self, Event, EventBody, Reported, Status};
use anju_shared::price::QuoteLine;
use anju_shared::subject::Subject;
use chrono::{DateTime, FixedOffset};

/// The receiver's clock: 2026-03-10T10:50:00Z.
const NOW: i64 = 1_773_139_800_000;

fn pusher() -> Pusher<'static> {
    Pusher {
        device_id: "tablet-1",
        actor: "stf-tech1",
        role: Role::Technician,
    }
}

fn at(ms: i64) -> DateTime<FixedOffset> {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
}

fn event(id: &str, tick: u64, body: EventBody) -> Event {
    Event {
        id: id.into(),
        subject: Subject::order("ord-1"),
        device_id: "tablet-1".into(),
        device_seq: tick,
        hlc: Hlc::new(NOW as u64 + tick, 0),
        actor: "stf-tech1".into(),
        at: at(NOW + tick as i64 * 60_000),
        body,
        seq: None,
    }
}

fn line(item: &str, quantity: i64, price_fen: i64) -> QuoteLine {
    QuoteLine {
        item: item.into(),
        quantity,
        price_fen,
    }
}

fn quoted(items: Vec<QuoteLine>, total_fen: i64) -> EventBody {
    EventBody::Quoted { items, total_fen }
}

/// The server's view of an estate whose price list holds `tap` and `pipe`.
struct Estate;
impl arrival::Lookup for Estate {
    fn price_item(&self, id: &str) -> Option<bool> {
        Some(matches!(id, "tap" | "pipe"))
    }
}

#[test]
fn a_quote_is_refused_by_name_where_the_list_is_known() {
    let cases: Vec<(EventBody, Option<&str>, Option<&str>)> = vec![
        // (body, refused field with the list, refused field without it)
        (quoted(vec![line("tap", 2, 3500)], 7000), None, None),
        (
            quoted(vec![line("gold", 1, 100)], 100),
            Some("price_item"),
            None,
        ),
        (
            quoted(vec![line("tap", -1, 3500)], -3500),
            Some("quantity"),
            Some("quantity"),
        ),
        (
            quoted(vec![line("tap", 0, 3500)], 0),
            Some("quantity"),
            Some("quantity"),
        ),
        (
            quoted(vec![line("tap", 1, -1)], -1),
            Some("price_fen"),
            Some("price_fen"),
        ),
        (
            quoted(vec![line("tap", 2, 3500)], 3500),
            Some("total_fen"),
            Some("total_fen"),
        ),
        (quoted(vec![], 0), Some("quote"), Some("quote")),
    ];
    for (body, with_list, without) in cases {
        let e = event("e1", 1, body);
        let got = arrival::check(&e, &pusher(), NOW, &Estate).err();
        assert_eq!(got.as_ref().map(|r| r.field.as_str()), with_list, "{e:?}");
        if let Some(r) = got {
            // The field is named in both languages.
            assert!(!r.message(Lang::Zh).starts_with(&r.field), "{r:?}");
            assert!(r.message(Lang::En).starts_with(&r.field), "{r:?}");
        }
        let got = arrival::check(&e, &pusher(), NOW, &Unknown).err();
        assert_eq!(got.map(|r| r.field), without.map(String::from), "{e:?}");
    }
}

#[test]
fn the_agreed_total_becomes_the_completed_orders_amount() {
    let reported = EventBody::Reported(Reported {
        text: "水龙头漏水".into(),
        channel: "phone".into(),
        category: None,
        suggested: Category::Repair,
        urgent: false,
        topic: None,
        place: None,
        building_id: String::new(),
        unit_id: String::new(),
        location: "3栋2单元1201".into(),
        phone_masked: String::new(),
    });
    let mut events = vec![
        event("r", 0, reported),
        event("a", 1, EventBody::Accepted),
        event("q1", 2, quoted(vec![line("tap", 1, 3500)], 3500)),
        // The resident agreed to a second quote: the latest counts.
        event(
            "q2",
            3,
            quoted(vec![line("tap", 1, 3500), line("pipe", 2, 1250)], 6000),
        ),
        event("s", 4, EventBody::Responded),
    ];
    let state = order::fold("ord-1", &events).expect("reported");
    assert_eq!(state.quote.as_ref().map(|q| q.total_fen), Some(6000));
    assert_eq!(state.amount_fen, None, "not completed yet");
    events.push(event("c", 5, EventBody::Completed));
    events.reverse();
    let state = order::fold("ord-1", &events).expect("reported");
    assert_eq!(state.status, Status::Completed);
    assert_eq!(state.amount_fen, Some(6000));
    assert_eq!(state.quote.map(|q| q.items.len()), Some(2));
    // Free work carries no amount.
    let free: Vec<Event> = events
        .into_iter()
        .filter(|e| !matches!(e.body, EventBody::Quoted { .. }))
        .collect();
    assert_eq!(
        order::fold("ord-1", &free).expect("reported").amount_fen,
        None
    );
}

#[test]
fn a_special_service_is_completed_only_after_its_quote_is_agreed() {
    let report = |category: Option<Category>, suggested: Category| {
        EventBody::Reported(Reported {
            text: "空调清洗两台".into(),
            channel: "phone".into(),
            category,
            suggested,
            urgent: false,
            topic: None,
            place: None,
            building_id: String::new(),
            unit_id: String::new(),
            location: "3栋2单元1201".into(),
            phone_masked: String::new(),
        })
    };
    let special = report(Some(Category::SpecialService), Category::Repair);
    let state = order::fold("ord-1", &[event("r", 0, special.clone())]).expect("reported");
    let refusal = arrival::complete_refusal(&state).expect("no quote yet");
    assert_eq!(refusal.field, "quote");
    assert!(
        refusal
            .message(Lang::Zh)
            .contains("特约服务须先由业主确认报价"),
        "{refusal:?}"
    );
    assert!(
        refusal.message(Lang::En).starts_with("quote"),
        "{refusal:?}"
    );
    // Once the resident agreed its price, it may be completed.
    let quoted_state = order::fold(
        "ord-1",
        &[
            event("r", 0, special),
            event("q", 1, quoted(vec![line("tap", 1, 3500)], 3500)),
        ],
    )
    .expect("reported");
    assert_eq!(arrival::complete_refusal(&quoted_state), None);
    // Other work may be completed without a quote: most repairs are free.
    let repair =
        order::fold("ord-1", &[event("r", 0, report(None, Category::Repair))]).expect("reported");
    assert_eq!(arrival::complete_refusal(&repair), None);
}
