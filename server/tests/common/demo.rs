//! The demo company as a newcomer meets it: four estates in two regions, each area manager
//! seeing their region's and the quality centre all, and the three estates beside 翠湖花园 with
//! a year of history that reads back through sync (with reference numbers), climbs the ladder
//! under the server's clock exactly once, and makes hotspots.

#![allow(dead_code, unreachable_pub)]

use anju_server::{jobs, seed};
use anju_shared::order::EventBody;
use anju_shared::sync::SyncRequest;
use chrono::{Datelike, Duration, Utc};
use serde_json::Value;

use super::TestApp;
use super::devices::Device;

async fn estates_of(app: &TestApp, username: &str) -> Vec<String> {
    let (client, _) = super::logged_in(app, username).await;
    let me = app.get_json(&client, "/api/me").await;
    let mut ids: Vec<String> = me["estates"]
        .as_array()
        .expect("estates")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids
}

/// A pull of 滨江壹号 after `cursor`, pushing nothing.
fn pull_from(tablet: &Device, cursor: i64) -> SyncRequest {
    SyncRequest {
        device_id: tablet.id.clone(),
        estate_id: "est-binjiang".into(),
        push: Vec::new(),
        cursor,
        limit: None,
        contacts: Vec::new(),
    }
}

pub async fn story_the_demo_year(app: &TestApp) {
    // Who sees what: the region's estates for each area manager, all four for the quality
    // centre, one for an estate's own desk.
    assert_eq!(estates_of(app, "area").await, ["est-binjiang", "est-cuihu"]);
    assert_eq!(
        estates_of(app, "area-east").await,
        ["est-fenglin", "est-haitang"]
    );
    assert_eq!(
        estates_of(app, "quality").await,
        ["est-binjiang", "est-cuihu", "est-fenglin", "est-haitang"]
    );
    assert_eq!(estates_of(app, "bj-desk").await, ["est-binjiang"]);

    let now = Utc::now();
    let stored = seed::seed_demo_history(&app.db, now.fixed_offset())
        .await
        .expect("history");
    assert!(stored > 6_000, "a year of three estates: {stored} events");

    // A tablet of 滨江壹号 pulls the year, every report with its reference number.
    let tablet = Device::login(app, "bj-guanjia", "tablet-bj", 0).await;
    let mut cursor = 0;
    let (mut events, mut references) = (Vec::new(), Vec::new());
    loop {
        let page = tablet.post(&pull_from(&tablet, cursor)).await;
        cursor = page.cursor;
        events.extend(page.events);
        references.extend(page.references);
        if !page.more {
            break;
        }
    }
    let reports: Vec<&str> = events
        .iter()
        .filter(|e| matches!(e.body, EventBody::Reported(_)))
        .map(|e| e.order_id())
        .collect();
    assert!(reports.len() > 300, "{} orders", reports.len());
    assert_eq!(references.len(), reports.len(), "one reference per report");
    assert!(
        references
            .iter()
            .all(|r| reports.contains(&r.order_id.as_str())
                && r.reference.len() == 13
                && r.reference.as_bytes()[8] == b'-'),
        "references like 20261207-0001"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e.body, EventBody::Visited { .. })),
        "household visits"
    );
    assert!(events.iter().all(|e| e.at < now.fixed_offset()));

    // The server's clock records what the year made due — late orders climbing the ladder,
    // clusters becoming hotspots — once.
    let first = jobs::pass(&app.db, now).await.expect("pass");
    assert!(first.steps > 10, "{first:?}");
    let again = jobs::pass(&app.db, now + Duration::minutes(1))
        .await
        .expect("pass");
    assert_eq!(again.steps, 0, "nothing twice");
    // A tablet pulls what the clock recorded, like any other event.
    let page = tablet.post(&pull_from(&tablet, cursor)).await;
    let count = |f: fn(&EventBody) -> bool| page.events.iter().filter(|e| f(&e.body)).count();
    assert!(
        count(|b| matches!(b, EventBody::Escalated { .. })) > 0,
        "late orders escalated"
    );
    assert!(
        count(|b| matches!(b, EventBody::Graded { .. })) > 0,
        "a complaint cluster graded"
    );

    // An open order of the year reads back with its evaluation.
    let (client, _) = super::logged_in(app, "bj-desk").await;
    let order = &reports[reports.len() - 1];
    let answer: Value = app.get_json(&client, &format!("/api/orders/{order}")).await;
    assert!(answer["evaluation"]["deadlines"].is_array(), "{answer}");

    // Every estate gets the demo price list, and the year's billing statements bill the
    // special services it quoted from it (rare: a month may have none).
    seed::seed_demo_prices(&app.db).await.expect("prices");
    let list = app
        .get_json(&client, "/api/estates/est-binjiang/prices")
        .await;
    assert_eq!(list["items"][0]["service"], "上门保洁", "{list}");
    let mut billed = 0;
    let mut month = now.date_naive();
    for _ in 0..12 {
        month = month.with_day(1).expect("first") - Duration::days(1);
        let bill = app
            .get_json(
                &client,
                &format!(
                    "/api/estates/est-binjiang/billing?month={}",
                    month.format("%Y-%m")
                ),
            )
            .await;
        let orders = bill["orders"].as_u64().expect("orders");
        assert_eq!(bill["special_services"].as_u64(), Some(orders), "{bill}");
        if orders > 0 {
            assert_eq!(
                bill["households"][0]["orders"][0]["lines"][0]["service"], "上门保洁",
                "{bill}"
            );
        }
        billed += orders;
    }
    assert!(billed > 0, "a year of special services billed");
}
