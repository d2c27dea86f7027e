//! Callbacks and ratings through the real API: the server refuses a callback outside the
//! estate's callback hours (D-7) without an emergency reason, a bad score, and an appointment
//! in the past, by the same `shared` checks the app runs, naming the field in zh and en; a low
//! score reopens the order at once (D-9); a resident rates the finished work once from the
//! tracking link, and the desk's devices pull the rating.

#![allow(dead_code, unreachable_pub)]

use anju_shared::order::{EventBody, fold};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::devices::{Device, server_events};
use super::{TestApp, send_json};

/// The next moment, after now, that the estate's clock (UTC+8) reads `hh:mm`: within a day,
/// so inside the server's tolerance for device clocks.
fn next_local(hh: i64, mm: i64) -> i64 {
    let day = 86_400_000;
    let offset = 8 * 3_600_000;
    let now = Utc::now().timestamp_millis();
    let local = now + offset;
    let mut at = local - local.rem_euclid(day) + (hh * 60 + mm) * 60_000 - offset;
    if at <= now {
        at += day;
    }
    at
}

async fn reported(app: &TestApp, text: &str) -> Value {
    let body = app.valid_report(text).await;
    let resp = app.report(&body).await;
    assert_eq!(resp.status(), 201);
    resp.json().await.expect("receipt")
}

fn id(receipt: &Value) -> String {
    receipt["order_id"].as_str().expect("order id").to_string()
}

/// The reason the server gave for refusing the device's event with this id.
fn refusal<'a>(desk: &'a Device, event: &str) -> Option<&'a str> {
    desk.rejected
        .iter()
        .find(|(e, _)| e.id == event)
        .map(|(_, reason)| reason.as_str())
}

pub async fn story_callback_hours_scores_and_appointments(app: &TestApp) {
    let now = Utc::now().timestamp_millis();
    let mut desk = Device::login(app, "desk", "dev-callbacks", 0).await;
    let a = id(&reported(app, "厨房水龙头漏水 回访时段").await);
    let b = id(&reported(app, "卧室空调不制冷 回访不满意").await);
    desk.record(&a, EventBody::Completed, now);
    desk.record(&b, EventBody::Completed, now);
    desk.sync_all().await;

    // 12:30 at the estate: refused without an emergency reason, accepted with one.
    let lunch = next_local(12, 30);
    let bare = desk.record(&a, EventBody::callback(5), lunch).id;
    let bad_low = desk.record(&a, EventBody::callback(0), lunch + 1000).id;
    let bad_high = desk.record(&a, EventBody::callback(6), lunch + 2000).id;
    let past = desk
        .record(
            &a,
            EventBody::Appointment {
                at: (Utc::now() - Duration::hours(2)).fixed_offset(),
            },
            now,
        )
        .id;
    desk.sync_all().await;
    let reason = refusal(&desk, &bare).expect("refused at 12:30");
    assert!(
        reason.starts_with(
            "override_reason: a callback outside the callback hours (10:00–12:00, 14:00–21:00)"
        ),
        "{reason}"
    );
    assert_eq!(refusal(&desk, &bad_low), Some("score: must be 1 to 5"));
    assert_eq!(refusal(&desk, &bad_high), Some("score: must be 1 to 5"));
    assert_eq!(
        refusal(&desk, &past),
        Some("at: the appointment is in the past")
    );
    // Nothing of them was stored; the refusals are kept for review.
    let stored = server_events(&desk).await;
    for refused in [&bare, &bad_low, &bad_high, &past] {
        assert!(stored.iter().all(|e| &e.id != refused));
    }
    let urgent = desk
        .record(
            &a,
            EventBody::CalledBack {
                score: 4,
                solved: Some(true),
                override_reason: Some("业主明早出国,只能午间接听".into()),
            },
            lunch + 3000,
        )
        .id;
    // 14:00: inside the hours, no reason needed. A score of 2 reopens the order at once.
    let afternoon = next_local(14, 0);
    desk.record(
        &b,
        EventBody::CalledBack {
            score: 2,
            solved: Some(true),
            override_reason: None,
        },
        afternoon,
    );
    desk.sync_all().await;
    assert_eq!(refusal(&desk, &urgent), None);
    let stored = server_events(&desk).await;
    let a_state = fold(&a, &stored).expect("a");
    assert_eq!(a_state.status, anju_shared::order::Status::CalledBack);
    assert_eq!(
        a_state.callbacks[0].override_reason.as_deref(),
        Some("业主明早出国,只能午间接听")
    );
    let (client, _) = super::logged_in(app, "desk").await;
    let view = app.get_json(&client, &format!("/api/orders/{b}")).await;
    assert_eq!(view["state"]["status"], "received", "reopened by the score");
    assert_eq!(view["state"]["callbacks"][0]["score"], 2);
}

pub async fn story_residents_rate_once_after_completion(app: &TestApp) {
    let receipt = reported(app, "楼道灯不亮 业主评价").await;
    let order = id(&receipt);
    let token = receipt["tracking_token"].as_str().expect("token");
    let path = format!("/api/public/track/{token}/rating");
    let client = app.browser();
    let rate = |body: Value| {
        let (client, path) = (client.clone(), path.clone());
        async move { send_json(app, &client, reqwest::Method::POST, &path, body).await }
    };
    // Not before the work is done.
    let (status, body) = rate(json!({"score": 5})).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("score")),
        "{body}"
    );
    assert_eq!(body["message_zh"], "评分:工单尚未完工,暂不能评价");

    let mut desk = Device::login(app, "desk", "dev-rating", 0).await;
    desk.record(&order, EventBody::Completed, Utc::now().timestamp_millis());
    desk.sync_all().await;

    for bad in [0, 6] {
        let (status, body) = rate(json!({"score": bad})).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error"], "score: must be 1 to 5");
        assert_eq!(body["message_zh"], "评分:须为 1 至 5 分");
    }
    let (status, body) = rate(json!({"score": 4, "comment": "师傅很准时"})).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = rate(json!({"score": 1, "comment": "再来一次"})).await;
    assert_eq!(status, 400, "rated once: {body}");
    assert_eq!(body["message_zh"], "评分:该工单已评价");

    let track = app
        .get_json(&client, &format!("/api/public/track/{token}"))
        .await;
    assert_eq!(
        (track["rating"].as_u64(), track["may_rate"].as_bool()),
        (Some(4), Some(false))
    );
    // The desk's device pulls it, and the fold shows it.
    desk.sync_all().await;
    let state = fold(&order, &desk.events()).expect("order");
    let rating = state.rating.expect("rated");
    assert_eq!((rating.score, rating.comment.as_str()), (4, "师傅很准时"));
}

/// The desk finds the households a caller's number belongs to, residents masked; a role off
/// the desk cannot; a number that is none is refused by name.
pub async fn story_the_desk_finds_a_caller_by_number(app: &TestApp) {
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT r.phone, r.household_id FROM residents r JOIN households h ON h.id = r.household_id \
         JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = u.building_id \
         WHERE b.estate_id = $1 ORDER BY r.id LIMIT 1",
    )
    .bind(super::devices::ESTATE)
    .fetch_one(&app.db.pool)
    .await
    .expect("a resident");
    let phone: String = row.try_get(0).expect("phone");
    let household: String = row.try_get(1).expect("household");
    let (desk, _) = super::logged_in(app, "desk").await;
    let path = format!("/api/estates/{}/callers", super::devices::ESTATE);
    let lookup = |number: &str| {
        desk.post(app.url(&path))
            .header(super::CSRF.0, super::CSRF.1)
            .json(&json!({ "phone": number }))
            .send()
    };
    let resp = lookup(&phone).await.expect("callers");
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.expect("body");
    assert!(!text.contains(&phone), "no full number in the answer");
    let found: Value = serde_json::from_str(&text).expect("json");
    let first = &found[0];
    assert_eq!(first["household_id"], household.as_str());
    assert!(
        first["location"]
            .as_str()
            .expect("location")
            .contains("单元")
    );
    let masked = anju_shared::report::mask_phone(&phone);
    assert!(
        first["residents"]
            .as_array()
            .expect("residents")
            .iter()
            .any(|r| r["phone_masked"] == masked.as_str())
    );
    // Another number finds nobody; a wrong one is refused by name.
    let none: Value = lookup("13000000000")
        .await
        .expect("none")
        .json()
        .await
        .expect("json");
    assert_eq!(none, json!([]));
    let resp = lookup("12").await.expect("bad");
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(
        (body["field"].as_str(), body["message_zh"].as_str()),
        (Some("phone"), Some("电话:不是有效的电话号码"))
    );
    // Off the desk: a technician may not search residents by number.
    let (tech, _) = super::logged_in(app, "tech1").await;
    let resp = tech
        .post(app.url(&path))
        .header(super::CSRF.0, super::CSRF.1)
        .json(&json!({ "phone": phone }))
        .send()
        .await
        .expect("tech");
    assert_eq!(resp.status(), 403);
}
