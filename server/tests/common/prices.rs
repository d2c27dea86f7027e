//! Paid work over HTTP: an estate's price list read by its staff and replaced by its manager
//! (a negative price or a repeated code refused by name, nothing changed), and a technician's
//! quote through sync: an unknown item or a negative quantity refused by name, an agreed
//! quote stored and folded into the completed order's amount.

use anju_shared::model::Category;
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

    // A special service (特约服务) is not completed before its price is agreed: the server
    // refuses the completion by name, and takes it once the quote is there.
    let mut d2 = Device::login(app, "tech1", "paid-tablet-2", 0).await;
    let special = uuid::Uuid::now_v7().to_string();
    d2.record(
        &special,
        EventBody::Reported(Reported {
            text: "想预约上门疏通下水管".into(),
            channel: "phone".into(),
            category: Some(Category::SpecialService),
            suggested: Category::Repair,
            urgent: false,
            topic: None,
            place: None,
            building_id: String::new(),
            unit_id: String::new(),
            location: "1栋1单元101".into(),
            phone_masked: String::new(),
        }),
        now - 9_000,
    );
    d2.record(&special, EventBody::Accepted, now - 8_000);
    d2.record(&special, EventBody::Completed, now - 7_000);
    d2.record(
        &special,
        quoted(vec![line("pipe", 1, 8000)], 8000),
        now - 6_000,
    );
    d2.record(&special, EventBody::Completed, now - 5_000);
    let resp = d2
        .post(&SyncRequest {
            device_id: d2.id.clone(),
            estate_id: "est-cuihu".into(),
            push: d2.outbox.clone(),
            cursor: 0,
            limit: Some(1000),
            contacts: Vec::new(),
        })
        .await;
    let outcomes: Vec<String> = resp
        .acks
        .iter()
        .map(|a| match &a.outcome {
            Outcome::Stored { .. } | Outcome::Duplicate { .. } => "stored".to_string(),
            Outcome::Rejected { reason, reason_zh } => {
                assert!(
                    reason_zh.contains("特约服务须先由业主确认报价"),
                    "{reason_zh}"
                );
                reason.split(':').next().unwrap_or_default().to_string()
            }
        })
        .collect();
    assert_eq!(outcomes, ["stored", "stored", "quote", "stored", "stored"]);

    // The month's billing statement: both households, their lines and the estate's total, in
    // the page's JSON and in the finance workbook read back.
    let month = chrono::DateTime::from_timestamp_millis(now - 5_000)
        .expect("now")
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("+08:00"))
        .format("%Y-%m")
        .to_string();
    let (desk, _) = logged_in(app, "desk").await;
    let bill = app
        .get_json(
            &desk,
            &format!("/api/estates/est-cuihu/billing?month={month}"),
        )
        .await;
    assert_eq!(bill["total_fen"], 23_000, "{bill}");
    assert_eq!(
        (bill["orders"].as_u64(), bill["special_services"].as_u64()),
        (Some(2), Some(1))
    );
    let homes: Vec<&str> = bill["households"]
        .as_array()
        .expect("households")
        .iter()
        .filter_map(|h| h["location"].as_str())
        .collect();
    assert_eq!(homes, ["1栋1单元101", "3栋2单元1201"], "{bill}");
    let tap = &bill["households"][1]["orders"][0]["lines"][0];
    assert_eq!(
        (
            tap["service"].as_str(),
            tap["quantity"].as_i64(),
            tap["amount_fen"].as_i64()
        ),
        (Some("更换水龙头"), Some(2), Some(7000))
    );
    // Another month bills nothing; a bad month is named; a technician and another estate's
    // staff are refused.
    let empty = app
        .get_json(&desk, "/api/estates/est-cuihu/billing?month=2001-03")
        .await;
    assert_eq!(
        (empty["orders"].as_u64(), empty["total_fen"].as_i64()),
        (Some(0), Some(0))
    );
    let status = |c: &reqwest::Client, path: String| {
        let c = c.clone();
        let url = app.url(&path);
        async move { c.get(url).send().await.expect("GET").status().as_u16() }
    };
    assert_eq!(
        status(&desk, "/api/estates/est-cuihu/billing?month=2026-13".into()).await,
        400
    );
    assert_eq!(
        status(&desk, "/api/estates/est-cuihu/billing".into()).await,
        400
    );
    assert_eq!(
        status(
            &tech,
            format!("/api/estates/est-cuihu/billing?month={month}")
        )
        .await,
        403
    );
    let (other, _) = logged_in(app, "bj-desk").await;
    assert_eq!(
        status(
            &other,
            format!("/api/estates/est-cuihu/billing?month={month}")
        )
        .await,
        403
    );

    let exports = audit_count(app, "export").await;
    let resp = desk
        .get(app.url(&format!(
            "/api/estates/est-cuihu/billing.xlsx?month={month}"
        )))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.expect("bytes");
    assert_eq!(
        audit_count(app, "export").await,
        exports + 1,
        "the export is audited"
    );
    let rows = super::kpi::sheet(&bytes, "结算汇总");
    assert_eq!(rows[1][0].to_string(), "1栋1单元101");
    assert_eq!(super::kpi::number(&rows[1][2]), 80.0);
    assert_eq!(super::kpi::number(&rows[2][2]), 150.0);
    assert_eq!(super::kpi::number(&rows[3][2]), 230.0, "the estate's total");
    let lines = super::kpi::sheet(&bytes, "收费明细");
    assert_eq!(lines.len(), 1 + 3, "a header and one row per agreed line");
    assert!(
        lines
            .iter()
            .any(|r| r[5] == "疏通下水管" && super::kpi::number(&r[9]) == 80.0)
    );
}
