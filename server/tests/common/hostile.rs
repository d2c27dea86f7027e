//! Hostile and buggy clients against the arrival check, on SQLite and PostgreSQL alike: each
//! story pushes what such a client would and checks that the estate stays readable, nothing
//! unbounded is stored and every refusal names its field.

#![allow(dead_code, unreachable_pub)]

use anju_shared::arrival::{self, Pusher, Unknown};
use anju_shared::hlc::{Clock, Hlc};
use anju_shared::model::Role;
use anju_shared::order::{Event, EventBody};
use anju_shared::sync::{Outcome, SyncRequest, SyncResponse};
use chrono::Utc;
use serde_json::{Value, json};
use sqlx::Row;

use super::devices::{Device, ESTATE, Rng};
use super::{CSRF, TestApp};

/// A new order reported through the public form; its id.
async fn new_order(app: &TestApp, text: &str) -> String {
    let body = app.valid_report(text).await;
    let receipt: Value = app.report(&body).await.json().await.expect("receipt");
    receipt["order_id"].as_str().expect("order id").to_string()
}

/// Pushes raw JSON events as `d` (nothing of the client's own types, as a hostile client
/// would) and returns the HTTP status and the answer.
pub async fn push_raw(d: &Device, events: Vec<Value>, contacts: Value) -> (u16, Value) {
    let resp = d
        .client
        .post(format!("{}/api/sync", d.base))
        .header(CSRF.0, CSRF.1)
        .json(&json!({
            "device_id": d.id,
            "estate_id": ESTATE,
            "push": events,
            "cursor": 0,
            "limit": 1,
            "contacts": contacts,
        }))
        .send()
        .await
        .expect("sync request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A well-formed event of `d` as JSON, for a story to spoil one field of.
pub fn raw_event(d: &mut Device, order_id: &str, body: EventBody) -> Value {
    let e = d.record(order_id, body, Utc::now().timestamp_millis());
    // The story pushes it itself.
    d.outbox.retain(|o| o.id != e.id);
    serde_json::to_value(&e).expect("event json")
}

fn reason(answer: &Value, i: usize) -> String {
    let ack = &answer["acks"][i];
    assert_eq!(
        ack["outcome"]["outcome"], "rejected",
        "refusal expected: {ack}"
    );
    ack["outcome"]["reason"]
        .as_str()
        .expect("reason")
        .to_string()
}

fn stored(answer: &Value, i: usize) {
    let ack = &answer["acks"][i];
    assert_eq!(
        ack["outcome"]["outcome"], "stored",
        "stored expected: {ack}"
    );
}

/// Every page that reads the estate's events answers: a pull from the start to the end and
/// the desk's inbox. Returns the ids pulled.
pub async fn estate_still_readable(app: &TestApp, d: &Device) -> Vec<String> {
    let mut cursor = 0;
    let mut ids = Vec::new();
    loop {
        let resp = d
            .client
            .post(format!("{}/api/sync", d.base))
            .header(CSRF.0, CSRF.1)
            .json(&SyncRequest {
                device_id: d.id.clone(),
                estate_id: ESTATE.into(),
                push: Vec::new(),
                cursor,
                limit: Some(2),
                contacts: Vec::new(),
            })
            .send()
            .await
            .expect("pull");
        assert_eq!(resp.status(), 200, "a pull from {cursor} failed");
        let page: SyncResponse = resp.json().await.expect("page");
        ids.extend(page.events.iter().map(|e| e.id.clone()));
        assert!(page.cursor >= cursor, "the cursor never goes back");
        if !page.more {
            break;
        }
        assert!(
            page.cursor > cursor,
            "a page with more must move the cursor"
        );
        cursor = page.cursor;
    }
    let desk = app.browser();
    assert_eq!(app.login(&desk, "desk").await.status(), 200);
    let inbox = desk
        .get(app.url(&format!("/api/desk/orders?estate={ESTATE}")))
        .send()
        .await
        .expect("inbox");
    assert_eq!(inbox.status(), 200, "the desk's inbox must answer");
    ids
}

/// Defect 1: a time no reader takes (five-digit or negative years, absurd offsets) is refused
/// on arrival — in the event and inside its body — and the estate stays readable.
pub async fn story_poisoned_times_are_refused(app: &TestApp) {
    let order = new_order(app, "走廊灯不亮").await;
    let mut d = Device::login(app, "tech1", "poison-tablet", 0).await;
    let note = EventBody::Note {
        text: "已到场".into(),
    };
    let mut pushes = Vec::new();
    for at in [
        "+10000-01-01T00:00:00+08:00",
        "-0001-01-01T00:00:00+08:00",
        "1999-12-31T23:59:59+08:00",
        "2101-01-01T00:00:00+00:00",
    ] {
        let mut e = raw_event(&mut d, &order, note.clone());
        e["at"] = json!(at);
        pushes.push(e);
    }
    // A time a week ahead of the server's clock (a tablet's clock set wrong).
    let mut ahead = raw_event(&mut d, &order, note.clone());
    ahead["at"] = json!((Utc::now() + chrono::Duration::days(7)).to_rfc3339());
    pushes.push(ahead);
    // Inside a body: an appointment in the year 10000.
    let mut appointment = raw_event(
        &mut d,
        &order,
        EventBody::Appointment {
            at: Utc::now().fixed_offset(),
        },
    );
    appointment["body"]["at"] = json!("+10000-01-01T00:00:00+08:00");
    pushes.push(appointment);
    let n = pushes.len();
    let fine = raw_event(&mut d, &order, note.clone());
    pushes.push(fine.clone());
    let (status, answer) = push_raw(&d, pushes, json!([])).await;
    if status == 400 {
        // A decoder that refuses the whole push is acceptable only if it names the field;
        // then the good event is sent alone and must be stored.
        panic!("a poisoned time must be refused per event, not fail the push: {answer}");
    }
    assert_eq!(status, 200, "{answer}");
    for i in 0..n {
        assert!(
            reason(&answer, i).starts_with("at: "),
            "{}",
            reason(&answer, i)
        );
    }
    stored(&answer, n);
    let ids = estate_still_readable(app, &d).await;
    assert!(ids.contains(&fine["id"].as_str().expect("id").to_string()));
}

/// Defect 1, the other half: a row no reader can take, written around the API (as by an old
/// version or a hand edit), is skipped by every page, logged and kept; the pull's cursor moves
/// past it.
pub async fn story_an_unreadable_row_never_takes_a_page_down(app: &TestApp) {
    let order = new_order(app, "水管漏水").await;
    let d = Device::login(app, "desk", "reader-tablet", 0).await;
    let seq: i64 = sqlx::query("SELECT seq FROM estates WHERE id = $1")
        .bind(ESTATE)
        .fetch_one(&app.db.pool)
        .await
        .expect("seq")
        .try_get(0)
        .expect("seq");
    for (i, (at, body)) in [
        (
            "+10000-01-01T00:00:00+08:00",
            r#"{"type":"note","text":"x"}"#,
        ),
        ("2026-01-01T00:00:00+08:00", r#"{"type":"no_such_kind"}"#),
    ]
    .into_iter()
    .enumerate()
    {
        sqlx::query(
            "INSERT INTO events (estate_id, seq, id, order_id, device_id, device_seq, hlc, actor, kind, at, body, received_ms) \
             VALUES ($1, $2, $3, $4, 'hand-edit', $5, '001767196800000-00000', 'stf-desk', 'note', $6, $7, 0)",
        )
        .bind(ESTATE)
        .bind(seq + 1 + i as i64)
        .bind(format!("bad-row-{i}"))
        .bind(order.clone())
        .bind(1 + i as i64)
        .bind(at)
        .bind(body)
        .execute(&app.db.pool)
        .await
        .expect("a row around the API");
    }
    sqlx::query("UPDATE estates SET seq = $1 WHERE id = $2")
        .bind(seq + 2)
        .bind(ESTATE)
        .execute(&app.db.pool)
        .await
        .expect("seq");
    // An event after them, through the API.
    let mut tablet = Device::login(app, "desk", "after-tablet", 0).await;
    tablet.record(
        &order,
        EventBody::Note {
            text: "之后的备注".into(),
        },
        Utc::now().timestamp_millis(),
    );
    tablet.sync_all().await;
    let ids = estate_still_readable(app, &d).await;
    assert!(!ids.iter().any(|id| id.starts_with("bad-row-")));
    let later = tablet.events();
    assert!(
        later.iter().all(|e| ids.contains(&e.id)),
        "the report and the later note are pulled: {ids:?}"
    );
    let kept: i64 = sqlx::query("SELECT COUNT(*) FROM events WHERE id LIKE 'bad-row-%'")
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
        .try_get(0)
        .expect("count");
    assert_eq!(kept, 2, "the unreadable rows stay for review");
    // The order's own endpoint reads around them too.
    let desk = app.browser();
    app.login(&desk, "desk").await;
    let inbox = app
        .get_json(&desk, &format!("/api/desk/orders?estate={ESTATE}"))
        .await;
    let listed = inbox["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["id"] == order.as_str())
        .expect("the order is listed");
    let listed_ids: Vec<&str> = listed["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert!(!listed_ids.iter().any(|id| id.starts_with("bad-row-")));
    assert!(
        listed_ids.len() >= 2,
        "the report and the note: {listed_ids:?}"
    );
}

/// Defect 2: clock stamps far ahead or overflowing are refused; a tablet that observed the
/// largest stamp (pulled before this check existed) and one whose clock it already poisoned
/// keep sending.
pub async fn story_clock_stamps_are_bounded(app: &TestApp) {
    let order = new_order(app, "门禁失灵").await;
    let mut d = Device::login(app, "tech1", "stamp-tablet", 0).await;
    let now = Utc::now().timestamp_millis();
    let note = EventBody::Note {
        text: "检查".into(),
    };
    let mut pushes = Vec::new();
    for hlc in [
        "999999999999999-99999".to_string(),
        Hlc::new((now + 10 * 365 * 86_400_000) as u64, 0).to_string(),
        Hlc::new(100, 0).to_string(),
    ] {
        let mut e = raw_event(&mut d, &order, note.clone());
        e["hlc"] = json!(hlc);
        pushes.push(e);
    }
    let (status, answer) = push_raw(&d, pushes, json!([])).await;
    assert_eq!(status, 200, "{answer}");
    for i in 0..3 {
        assert!(
            reason(&answer, i).starts_with("hlc: "),
            "{}",
            reason(&answer, i)
        );
    }
    // A tablet that saw the largest stamp: it does not follow it, and its events are stored.
    let mut seen = Device::login(app, "tech1", "observer-tablet", 0).await;
    seen.clock
        .observe(Hlc::new(999_999_999_999_999, 99_999), now as u64);
    // And one whose clock followed such a stamp before the bound existed.
    let mut poisoned = Device::login(app, "desk", "poisoned-tablet", 0).await;
    poisoned.clock = Clock {
        last: Hlc::new(999_999_999_999_999, 99_999),
    };
    for tablet in [&mut seen, &mut poisoned] {
        for _ in 0..3 {
            tablet.record(&order, note.clone(), Utc::now().timestamp_millis());
        }
        tablet.sync_all().await;
        assert!(tablet.outbox.is_empty(), "every event sent");
        assert!(
            tablet.rejected.is_empty(),
            "nothing refused: {:?}",
            tablet.rejected
        );
    }
}

/// The database's size of what anonymous requests can write: throttle rows and audit rows.
async fn anonymous_bytes(app: &TestApp) -> i64 {
    let audit: i64 = sqlx::query(
        "SELECT COALESCE(SUM(LENGTH(subject) + LENGTH(detail) + LENGTH(actor) + LENGTH(ip)), 0) FROM audit_log",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("audit size")
    .try_get::<i64, _>(0)
    .expect("size");
    let rate: i64 = sqlx::query("SELECT COALESCE(SUM(LENGTH(key)), 0) FROM rate_limits")
        .fetch_one(&app.db.pool)
        .await
        .expect("rate size")
        .try_get::<i64, _>(0)
        .expect("size");
    audit + rate
}

/// Defect 3: a flood of logins with huge usernames writes nothing of them; a long (but
/// allowed) one is stored capped.
pub async fn story_anonymous_logins_cannot_fill_the_disk(app: &TestApp) {
    let before = anonymous_bytes(app).await;
    let huge = "甲".repeat(500_000);
    for _ in 0..4 {
        let resp = app
            .client
            .post(app.url("/api/login"))
            .header(CSRF.0, CSRF.1)
            .json(&json!({ "username": huge, "password": "x" }))
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["field"], "username");
    }
    assert_eq!(
        anonymous_bytes(app).await,
        before,
        "refused before any write"
    );
    // Up to the throttle: 25 tries with 64-character names from one address.
    for i in 0..25 {
        let name = format!("{i:02}{}", "x".repeat(62));
        let _ = app
            .client
            .post(app.url("/api/login"))
            .header(CSRF.0, CSRF.1)
            .json(&json!({ "username": name, "password": "wrong" }))
            .send()
            .await
            .expect("login");
    }
    let grown = anonymous_bytes(app).await - before;
    assert!(
        grown < 25 * 2 * 300,
        "each failed login writes a few hundred bytes at most, grew {grown}"
    );
    // A long throttle key is stored as a fixed-length hash.
    let long = "k".repeat(10_000);
    let limit = anju_server::security::Limit {
        max: 5,
        window_ms: 1000,
    };
    let _ = app
        .db
        .rate_hit(&long, limit, Utc::now().timestamp_millis())
        .await
        .expect("hit");
    let longest: i64 = sqlx::query("SELECT MAX(LENGTH(key)) FROM rate_limits")
        .fetch_one(&app.db.pool)
        .await
        .expect("max")
        .try_get(0)
        .expect("max");
    assert!(longest <= anju_server::security::RATE_KEY_MAX as i64);
}

/// Defect 4: a full number in the synced log is refused; a staff-made report's number comes
/// beside it, is kept with the order and is found by the resident's erasure.
pub async fn story_full_numbers_stay_out_of_the_log(app: &TestApp) {
    let mut d = Device::login(app, "desk", "phone-desk", 0).await;
    let (building, unit) = app.first_building_and_unit().await;
    let report = |phone_masked: &str| {
        EventBody::Reported(anju_shared::order::Reported {
            text: "业主来电:厨房下水道堵了".into(),
            channel: "phone".into(),
            category: None,
            suggested: anju_shared::model::Category::Repair,
            urgent: false,
            topic: None,
            place: None,
            building_id: building.clone(),
            unit_id: unit.clone(),
            location: "1栋1单元101".into(),
            phone_masked: phone_masked.into(),
        })
    };
    let full = raw_event(&mut d, "ord-phone-full", report("13812340000"));
    let no_contact = raw_event(&mut d, "ord-phone-nocontact", report("138****0000"));
    let mismatch = raw_event(&mut d, "ord-phone-mismatch", report("138****0000"));
    let good = raw_event(&mut d, "ord-phone-good", report("139****7777"));
    let (status, answer) = push_raw(
        &d,
        vec![full, no_contact, mismatch, good],
        json!([
            { "order_id": "ord-phone-mismatch", "phone": "13812341111" },
            { "order_id": "ord-phone-good", "phone": "139 0000 7777", "name": "李先生" },
        ]),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(reason(&answer, 0).starts_with("phone_masked: "));
    assert!(reason(&answer, 1).starts_with("phone_masked: "));
    assert!(reason(&answer, 2).starts_with("phone_masked: "));
    stored(&answer, 3);
    let row =
        sqlx::query("SELECT contact_phone, contact_name FROM orders WHERE id = 'ord-phone-good'")
            .fetch_one(&app.db.pool)
            .await
            .expect("order");
    assert_eq!(row.try_get::<String, _>(0).expect("phone"), "13900007777");
    assert_eq!(row.try_get::<String, _>(1).expect("name"), "李先生");
    let body: String = sqlx::query("SELECT body FROM events WHERE order_id = 'ord-phone-good'")
        .fetch_one(&app.db.pool)
        .await
        .expect("event")
        .try_get(0)
        .expect("body");
    assert!(!body.contains("13900007777") && body.contains("139****7777"));
    // The erasure finds the staff-made report by the resident's number.
    let admin = app.browser();
    assert_eq!(app.login(&admin, "admin").await.status(), 200);
    let done: Value = admin
        .post(app.url("/api/admin/residents/erase"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "phone": "13900007777" }))
        .send()
        .await
        .expect("erase")
        .json()
        .await
        .expect("json");
    assert!(
        done["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .any(|o| o == "ord-phone-good"),
        "{done}"
    );
}

/// Defect 5 and the rest: every free text is bounded, every enumeration checked, every
/// reference must exist in the estate.
pub async fn story_every_field_is_bounded_and_every_reference_checked(app: &TestApp) {
    let other_order = super::seed_second_company(app).await;
    let order = new_order(app, "楼道有异味").await;
    let mut d = Device::login(app, "desk", "limits-desk", 0).await;
    let mut c = Device::login(app, "guanjia1", "limits-tablet", 0).await;
    // One megabyte once (the push stays under the 2 MiB body limit) and 90 KB elsewhere.
    let mib = "a".repeat(1 << 20);
    let big = "字".repeat(30_000);
    let (building, unit) = app.first_building_and_unit().await;
    let reported = |text: String, channel: &str| {
        EventBody::Reported(anju_shared::order::Reported {
            text,
            channel: channel.into(),
            category: None,
            suggested: anju_shared::model::Category::Repair,
            urgent: false,
            topic: None,
            place: None,
            building_id: building.clone(),
            unit_id: unit.clone(),
            location: String::new(),
            phone_masked: String::new(),
        })
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            raw_event(&mut d, "ord-huge", reported(big.clone(), "phone")),
            "text: ",
        ),
        (
            raw_event(&mut d, "ord-channel", reported("漏水".into(), "pigeon")),
            "channel: ",
        ),
        (
            raw_event(
                &mut d,
                &order,
                EventBody::Reopened {
                    reason: "因".repeat(501),
                },
            ),
            "reason: ",
        ),
        (
            raw_event(&mut d, &order, EventBody::Photo { hash: big.clone() }),
            "hash: ",
        ),
        (
            raw_event(
                &mut d,
                &order,
                EventBody::Photo {
                    hash: "a".repeat(64),
                },
            ),
            "hash: ",
        ),
        (
            raw_event(
                &mut d,
                &order,
                EventBody::Dispatched {
                    to: Some("张强".into()),
                },
            ),
            "to: ",
        ),
        (
            raw_event(
                &mut d,
                &order,
                EventBody::Dispatched {
                    to: Some("stf-other-desk".into()),
                },
            ),
            "to: ",
        ),
        (
            raw_event(&mut d, &order, EventBody::Note { text: mib.clone() }),
            "text: ",
        ),
        (
            raw_event(&mut d, &other_order, EventBody::Note { text: "x".into() }),
            "order_id: ",
        ),
    ];
    let n = cases.len();
    let (pushes, fields): (Vec<Value>, Vec<&str>) = cases.into_iter().unzip();
    let good = raw_event(
        &mut d,
        &order,
        EventBody::Dispatched {
            to: Some("stf-tech1".into()),
        },
    );
    let mut all = pushes;
    all.push(good);
    let (status, answer) = push_raw(&d, all, json!([])).await;
    assert_eq!(status, 200, "{answer}");
    for (i, field) in fields.iter().enumerate() {
        let r = reason(&answer, i);
        assert!(r.starts_with(field), "case {i}: {r} (expected {field})");
    }
    // The tablet shows a Chinese reader the reason in Chinese, naming the field.
    assert_eq!(
        answer["acks"][6]["outcome"]["reason_zh"],
        "指派对象:不是本小区在职员工"
    );
    stored(&answer, n);

    let visit = |household: &str, method: &str, note: String| EventBody::Visited {
        household_id: household.into(),
        method: method.into(),
        note,
        not_home: false,
    };
    let cases = vec![
        (
            raw_event(
                &mut c,
                "",
                visit("bld-other-1-u1-101", "door", String::new()),
            ),
            "household_id: ",
        ),
        (
            raw_event(
                &mut c,
                "",
                visit("no-such-household", "door", String::new()),
            ),
            "household_id: ",
        ),
        (
            raw_event(&mut c, "", visit("x", "teleport", String::new())),
            "method: ",
        ),
        (
            raw_event(&mut c, "", visit("x", "door", "记".repeat(2001))),
            "note: ",
        ),
    ];
    let (pushes, fields): (Vec<Value>, Vec<&str>) = cases.into_iter().unzip();
    let (status, answer) = push_raw(&c, pushes, json!([])).await;
    assert_eq!(status, 200, "{answer}");
    for (i, field) in fields.iter().enumerate() {
        let r = reason(&answer, i);
        assert!(
            r.starts_with(field),
            "visit case {i}: {r} (expected {field})"
        );
    }
    // Nothing above was stored but the one dispatch; the refused are kept for review, each
    // within a bounded size.
    for sql in [
        "SELECT COALESCE(MAX(LENGTH(body)), 0) FROM events",
        "SELECT COALESCE(MAX(LENGTH(event)), 0) FROM rejected_events",
    ] {
        let huge: i64 = sqlx::query(sql)
            .fetch_one(&app.db.pool)
            .await
            .expect("max")
            .try_get(0)
            .expect("max");
        assert!(huge <= 20_000, "no huge row stored ({sql}): {huge}");
    }
}

/// Also seen: a colleague pushing under another tablet's device id at its next device_seq
/// takes none of that tablet's keys: the tablet's own event is stored afterwards.
pub async fn story_a_colleague_cannot_take_a_tablets_keys(app: &TestApp) {
    let order = new_order(app, "电梯按钮失灵").await;
    let mut mine = Device::login(app, "guanjia1", "shared-id-tablet", 0).await;
    let mut other = Device::login(app, "guanjia2", "shared-id-tablet", 0).await;
    let note = |t: &str| EventBody::Note { text: t.into() };
    mine.record(&order, note("一"), Utc::now().timestamp_millis());
    mine.sync_all().await;
    // The colleague takes the tablet's next device_seq under its device id.
    other.next_seq = mine.next_seq;
    other.record(&order, note("抢先"), Utc::now().timestamp_millis());
    other.sync_all().await;
    assert!(other.rejected.is_empty(), "{:?}", other.rejected);
    mine.record(&order, note("二"), Utc::now().timestamp_millis());
    mine.sync_all().await;
    assert!(
        mine.rejected.is_empty(),
        "the tablet's own event is stored: {:?}",
        mine.rejected
    );
}

/// Every refusal is JSON, a body over the limit included.
pub async fn story_refusals_are_json(app: &TestApp) {
    let d = Device::login(app, "desk", "big-desk", 0).await;
    let big = "x".repeat(3 * 1024 * 1024);
    let resp = d
        .client
        .post(format!("{}/api/sync", d.base))
        .header(CSRF.0, CSRF.1)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("big push");
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.expect("a 413 in the API's JSON shape");
    assert_eq!(body["field"], "body");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("body: "))
    );
}

/// The property: any event the arrival check accepts is stored and read back identical;
/// any it refuses is answered with the same reason. Random events, inside and outside every
/// bound, from a fixed seed.
pub async fn story_accepted_events_read_back_identical(app: &TestApp, seed: u64) {
    let order = new_order(app, "外墙脱落").await;
    let mut d = Device::login(app, "pm", &format!("property-tablet-{seed}"), 0).await;
    let mut rng = Rng(seed);
    let now = Utc::now().timestamp_millis();
    let texts = [
        "修",
        "",
        " ",
        "𠀀𠀁 emoji 🚿",
        "\u{0}nul",
        "a\"b'c<d>",
        "\u{202e}rtl",
    ];
    let mut sent: Vec<Event> = Vec::new();
    for _ in 0..120 {
        let text = match rng.below(4) {
            0 => texts[rng.below(texts.len() as u64) as usize].to_string(),
            1 => "长".repeat(1990 + rng.below(20) as usize),
            _ => format!("备注{}", rng.next()),
        };
        let body = match rng.below(5) {
            0 => EventBody::Note { text },
            1 => EventBody::Reopened { reason: text },
            2 => EventBody::callback(rng.below(8) as u8),
            3 => EventBody::Appointment {
                at: random_time(&mut rng, now),
            },
            _ => EventBody::Responded,
        };
        let mut e = d.record(&order, body, now);
        d.outbox.retain(|o| o.id != e.id);
        if rng.chance(40) {
            e.at = random_time(&mut rng, now);
        }
        if rng.chance(20) {
            let mut ms = now + (rng.below(4 * 86_400_000) as i64) - 86_400_000;
            if (ms - (now + arrival::MAX_AHEAD_MS)).abs() < 60_000 {
                ms -= 120_000;
            }
            // Counters up to the five digits the wire form can carry at all.
            e.hlc = Hlc::new(ms as u64, rng.below(100_000) as u32);
        }
        // What the server receives: the event as its JSON carries it (an offset with seconds,
        // say, travels in whole minutes).
        let wire = serde_json::to_string(&e).expect("encodes");
        sent.push(serde_json::from_str(&wire).expect("the wire form decodes"));
    }
    let pusher = Pusher {
        device_id: &d.id,
        actor: &d.staff_id,
        role: Role::ProjectManager,
    };
    let (policy, calendar) = app
        .db
        .estates_by_ids(&[ESTATE.to_string()])
        .await
        .expect("estate")
        .first()
        .expect("the estate")
        .rules()
        .expect("its rules");
    let mut accepted = Vec::new();
    for chunk in sent.chunks(40) {
        let resp = d
            .post(&SyncRequest {
                device_id: d.id.clone(),
                estate_id: ESTATE.into(),
                push: chunk.to_vec(),
                cursor: 0,
                limit: Some(1),
                contacts: Vec::new(),
            })
            .await;
        for (e, ack) in chunk.iter().zip(&resp.acks) {
            // The server's clock moved on a little since `now`: a check at `now` accepting
            // means the server must accept too (its window is only later, never earlier).
            // The estate's own rules too (a callback inside the callback hours), as the
            // server runs them after the arrival check.
            let verdict = arrival::check(e, &pusher, Utc::now().timestamp_millis(), &Unknown)
                .and_then(
                    |()| match anju_shared::callback::refusal(&policy, &calendar, e) {
                        Some(r) => Err(r),
                        None => Ok(()),
                    },
                );
            match (&ack.outcome, verdict) {
                (Outcome::Stored { .. }, Ok(())) => accepted.push(e.clone()),
                (Outcome::Rejected { reason, .. }, Err(refusal)) => {
                    assert_eq!(*reason, refusal.to_string())
                }
                (outcome, verdict) => panic!("{e:?}: server {outcome:?}, check {verdict:?}"),
            }
        }
    }
    assert!(
        accepted.len() > 20 && accepted.len() < sent.len(),
        "both kinds drawn"
    );
    let back = app
        .db
        .order_events(ESTATE, &order)
        .await
        .expect("the order's events read back");
    for e in &accepted {
        let stored = back
            .iter()
            .find(|b| b.id == e.id)
            .unwrap_or_else(|| panic!("{} stored", e.id));
        assert_eq!(
            Event {
                seq: None,
                ..stored.clone()
            },
            *e,
            "read back identical"
        );
    }
}

/// A time drawn around the bounds: far past, the years 1999–2101, offsets odd and extreme.
fn random_time(rng: &mut Rng, now: i64) -> chrono::DateTime<chrono::FixedOffset> {
    let ms = match rng.below(6) {
        0 => arrival::EARLIEST_MS - 1 + rng.below(3) as i64,
        // A minute either side of the bound, so the server's clock (a moment later than
        // `now`) and the test's agree.
        1 => now + arrival::MAX_AHEAD_MS - 60_000 + rng.below(2) as i64 * 120_000,
        2 => now + rng.below(400 * 86_400_000) as i64,
        3 => -62_000_000_000_000 + rng.below(1000) as i64,
        4 => 253_402_300_800_000 + rng.below(1000) as i64,
        _ => now - rng.below(5 * 365 * 86_400_000) as i64,
    };
    let offset_s = match rng.below(4) {
        0 => 8 * 3600,
        1 => -(rng.below(15 * 3600) as i32),
        2 => rng.below(15 * 3600) as i32,
        _ => 5 * 3600 + 45 * 60 + rng.below(2) as i32 * 30,
    };
    let offset = chrono::FixedOffset::east_opt(offset_s).expect("offset");
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&offset)
}

/// The schema change of the arrival check carries an old database over: a database made by
/// the migrations before it (copied into a folder of their own), with events of two staff on
/// one device key and reference numbers that skipped, is opened by today's server: every event
/// is still there, the keys now belong to their pusher, and the day's counter goes on from the
/// last number given.
pub async fn story_old_schema_migrates(url: &str, backend: &str) {
    let old = tempfile::tempdir().expect("tempdir");
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    for entry in std::fs::read_dir(&source).expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        if name.as_str() < "0008" {
            std::fs::copy(&path, old.path().join(&name)).expect("copy");
        }
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("connect");
    sqlx::migrate::Migrator::new(old.path())
        .await
        .expect("old migrations")
        .run(&pool)
        .await
        .expect("the old schema");
    for sql in [
        "INSERT INTO companies (id, name) VALUES ('co-1', '旧公司')",
        "INSERT INTO regions (id, company_id, name) VALUES ('rg-1', 'co-1', '南区')",
        "INSERT INTO estates (id, company_id, region_id, slug, name, policy, utc_offset, seq) \
         VALUES ('est-old', 'co-1', 'rg-1', 'old', '旧小区', 'cmsk', '+08:00', 17)",
        "INSERT INTO orders (id, estate_id, reference, tracking_hash, reported_ms, contact_name, contact_phone, notice_version) \
         VALUES ('ord-a', 'est-old', '20260301-0001', 'h-a', 1772323200000, '', '', '')",
        "INSERT INTO orders (id, estate_id, reference, tracking_hash, reported_ms, contact_name, contact_phone, notice_version) \
         VALUES ('ord-b', 'est-old', '20260301-0017', 'h-b', 1772326800000, '', '', '')",
        "INSERT INTO events (estate_id, seq, id, order_id, device_id, device_seq, hlc, actor, kind, at, body, received_ms) \
         VALUES ('est-old', 1, 'ev-1', 'ord-a', 'tab', 1, '001772323200000-00000', 'stf-a', 'note', \
         '2026-03-01T08:00:00+08:00', '{\"type\":\"note\",\"text\":\"一\"}', 0)",
        "INSERT INTO events (estate_id, seq, id, order_id, device_id, device_seq, hlc, actor, kind, at, body, received_ms) \
         VALUES ('est-old', 17, 'ev-17', 'ord-b', 'tab', 2, '001772326800000-00000', 'stf-b', 'note', \
         '2026-03-01T09:00:00+08:00', '{\"type\":\"note\",\"text\":\"二\"}', 0)",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    pool.close().await;
    let db = anju_server::db::Db::connect(url)
        .await
        .expect("today's server opens it");
    let events = db.order_events("est-old", "ord-b").await.expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id, "ev-17");
    assert_eq!(
        db.order_events("est-old", "ord-a").await.expect("a").len(),
        1
    );
    let last: i64 = sqlx::query(
        "SELECT last FROM order_counters WHERE estate_id = 'est-old' AND day = '20260301'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("the day's counter")
    .try_get(0)
    .expect("last");
    assert_eq!(last, 17, "the counter goes on from the last number given");
    // The same device key under another pusher is now a key of its own.
    sqlx::query(
        "INSERT INTO events (estate_id, seq, id, order_id, device_id, device_seq, hlc, actor, kind, at, body, received_ms) \
         VALUES ('est-old', 18, 'ev-18', 'ord-b', 'tab', 2, '001772326800000-00001', 'stf-c', 'note', \
         '2026-03-01T09:00:00+08:00', '{\"type\":\"note\",\"text\":\"三\"}', 0)",
    )
    .execute(&db.pool)
    .await
    .expect("a key is the pusher's");
}
