//! Paid work over HTTP: an estate's price list read by its staff and replaced by its manager
//! (a negative price or a repeated code refused by name, nothing changed), and a technician's
//! quote through sync: an unknown item or a negative quantity refused by name, an agreed
//! quote stored and folded into the completed order's amount.

use anju_shared::order::{EventBody, Reported};
use anju_shared::price::QuoteLine;
use anju_shared::sync::{Outcome, SyncRequest};
use chrono::Utc;
use reqwest::Method;
use serde_json::json;

use super::devices::Device;
use super::{TestApp, audit_count, logged_in, send_json};

const URL: &str = "/api/estates/est-cuihu/prices";

fn line(item: &str, quantity: i64, price_fen: i64) -> QuoteLine {
    QuoteLine {
        item: item.into(),
        quantity,
        price_fen,
    }
}

pub async fn story_paid_work(app: &TestApp) {
    let (pm, _) = logged_in(app, "pm").await;
    let (tech, _) = logged_in(app, "tech1").await;
    let list = json!({"items": [
        {"id": "tap", "service": "更换水龙头", "unit": "个", "price_fen": 3500, "notes": "不含材料"},
        {"id": "pipe", "service": "疏通下水管", "unit": "次", "price_fen": 8000}
    ]});
    let (status, body) = send_json(app, &pm, Method::PUT, URL, list.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"][1]["price_fen"], 8000);
    assert_eq!(audit_count(app, "price_list_changed").await, 1);
    // The estate's staff read it; a technician may not change it.
    let read = app.get_json(&tech, URL).await;
    assert_eq!(read["items"][0]["service"], "更换水龙头");
    assert_eq!(read["items"][0]["notes"], "不含材料");
    let (status, _) = send_json(app, &tech, Method::PUT, URL, json!({"items": []})).await;
    assert_eq!(status, 403);
    // Bad lists are refused by name, in both languages, and change nothing.
    for (bad, field) in [
        (
            json!({"items": [{"id": "tap", "service": "换龙头", "unit": "个", "price_fen": -100}]}),
            "price_fen",
        ),
        (
            json!({"items": [
                {"id": "tap", "service": "换龙头", "unit": "个", "price_fen": 100},
                {"id": "tap", "service": "又一个", "unit": "个", "price_fen": 100}]}),
            "price_item",
        ),
        (
            json!({"items": [{"id": "tap", "service": "", "unit": "个", "price_fen": 100}]}),
            "service",
        ),
    ] {
        let (status, body) = send_json(app, &pm, Method::PUT, URL, bad).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["field"], field, "{body}");
        assert!(
            body["message_zh"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    assert_eq!(
        app.get_json(&pm, URL).await,
        read,
        "a refusal changes nothing"
    );
    assert_eq!(audit_count(app, "price_list_changed").await, 1);

    // A technician's paid repair, quoted before the work.
    let mut d = Device::login(app, "tech1", "paid-tablet", 0).await;
    let order = uuid::Uuid::now_v7().to_string();
    let now = Utc::now().timestamp_millis();
    d.record(
        &order,
        EventBody::Reported(Reported {
            text: "厨房水龙头漏水".into(),
            channel: "phone".into(),
            category: Some(anju_shared::model::Category::Repair),
            suggested: anju_shared::model::Category::Repair,
            urgent: false,
            topic: None,
            place: None,
            building_id: String::new(),
            unit_id: String::new(),
            location: "3栋2单元1201".into(),
            phone_masked: String::new(),
        }),
        now - 60_000,
    );
    d.record(&order, EventBody::Accepted, now - 50_000);
    let quoted = |items, total_fen| EventBody::Quoted { items, total_fen };
    d.record(
        &order,
        quoted(vec![line("gold", 1, 100)], 100),
        now - 40_000,
    );
    d.record(
        &order,
        quoted(vec![line("tap", -1, 3500)], -3500),
        now - 39_000,
    );
    d.record(
        &order,
        quoted(vec![line("tap", 2, 3500), line("pipe", 1, 8000)], 15_000),
        now - 30_000,
    );
    d.record(&order, EventBody::Responded, now - 20_000);
    d.record(&order, EventBody::Completed, now - 10_000);
    let req = SyncRequest {
        device_id: d.id.clone(),
        estate_id: "est-cuihu".into(),
        push: d.outbox.clone(),
        cursor: 0,
        limit: Some(1000),
        contacts: Vec::new(),
    };
    let resp = d.post(&req).await;
    let outcomes: Vec<String> = resp
        .acks
        .iter()
        .map(|a| match &a.outcome {
            Outcome::Stored { .. } | Outcome::Duplicate { .. } => "stored".to_string(),
            Outcome::Rejected { reason, reason_zh } => {
                assert!(!reason_zh.is_empty(), "{reason}");
                reason.split(':').next().unwrap_or_default().to_string()
            }
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            "stored",
            "stored",
            "price_item",
            "quantity",
            "stored",
            "stored",
            "stored"
        ]
    );
    let view = app.get_json(&tech, &format!("/api/orders/{order}")).await;
    let state = &view["state"];
    assert_eq!(state["status"], "completed", "{view}");
    assert_eq!(state["quote"]["total_fen"], 15_000, "{view}");
    assert_eq!(state["amount_fen"], 15_000, "{view}");
    assert_eq!(state["quote"]["items"].as_array().map(Vec::len), Some(2));
}
