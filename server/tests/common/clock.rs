//! The server's clock on SQLite and PostgreSQL: an order left undone climbs the estate's ladder
//! by itself, each step recorded once with the moment it became due and the staff it concerns —
//! caught up after a stop, unmoved by a clock that jumps back, and exactly once when two
//! instances run their passes at the same moment. Time is injected, never slept on.

#![allow(dead_code, unreachable_pub)]

use anju_server::jobs;
use anju_shared::model::Escalation;
use anju_shared::order::{Event, EventBody};
use chrono::{Duration, Utc};
use serde_json::Value;

use super::TestApp;
use super::devices::{Device, ESTATE};

async fn reported_order(app: &TestApp) -> String {
    let body = app.valid_report("卫生间水管漏水,一直在滴").await;
    let receipt: Value = app.report(&body).await.json().await.expect("receipt");
    receipt["order_id"].as_str().expect("order id").to_string()
}

/// The escalation steps stored on an order: (level, when it became due, whom it concerns).
async fn steps(
    app: &TestApp,
    order: &str,
) -> Vec<(
    Escalation,
    chrono::DateTime<chrono::FixedOffset>,
    Vec<String>,
)> {
    app.db
        .order_events(ESTATE, order)
        .await
        .expect("events")
        .into_iter()
        .filter_map(|e: Event| match e.body {
            EventBody::Escalated { level, to } => Some((level, e.at, to)),
            _ => None,
        })
        .collect()
}

/// An order nobody works climbs the whole ladder in one pass after three weeks down; a second
/// pass records nothing; a tablet pulls the steps; the order's endpoint shows the level.
pub async fn story_the_clock_catches_up_once(app: &TestApp) {
    let order = reported_order(app).await;
    let later = Utc::now() + Duration::days(21);
    let first = jobs::pass(&app.db, later).await.expect("pass");
    assert_eq!(first.steps, 5, "the whole ladder: {first:?}");
    let again = jobs::pass(&app.db, later + Duration::minutes(1))
        .await
        .expect("pass");
    assert_eq!(again.steps, 0, "never a step twice");
    let recorded = steps(app, &order).await;
    let levels: Vec<Escalation> = recorded.iter().map(|(l, _, _)| *l).collect();
    assert_eq!(
        levels,
        vec![
            Escalation::DepartmentSupervisor,
            Escalation::CsSupervisor,
            Escalation::ProjectManager,
            Escalation::AreaManager,
            Escalation::QualityCentre
        ]
    );
    // Each with the moment it became due, in order, all before the pass.
    assert!(recorded.windows(2).all(|w| w[0].1 < w[1].1));
    assert!(
        recorded
            .iter()
            .all(|(_, at, _)| at.with_timezone(&Utc) < later)
    );
    // Each naming the people of its level.
    let named: Vec<Vec<String>> = recorded.iter().map(|(_, _, to)| to.clone()).collect();
    assert_eq!(
        named,
        vec![
            vec!["stf-dept".to_string()],
            vec!["stf-cs".to_string()],
            vec!["stf-pm".to_string()],
            vec!["stf-area".to_string()],
            vec!["stf-quality".to_string()]
        ]
    );
    // Tablets receive them like any event.
    let mut tablet = Device::login(app, "cs", "clock-tablet", 0).await;
    tablet.sync_all().await;
    let pulled = tablet
        .events()
        .into_iter()
        .filter(|e| e.order_id() == order && matches!(e.body, EventBody::Escalated { .. }))
        .count();
    assert_eq!(pulled, 5);
    let (cs, _) = super::logged_in(app, "cs").await;
    let view = app
        .get_json(
            &cs,
            &format!(
                "/api/orders/{order}?now={}",
                later.to_rfc3339().replace('+', "%2B")
            ),
        )
        .await;
    assert_eq!(view["evaluation"]["escalation"], "quality_centre");
    assert_eq!(view["state"]["escalated"], "quality_centre");
}

/// A clock that jumps back records nothing new and never takes a step back; moving on again
/// records the rest, and the result is what one pass at the end records.
pub async fn story_a_jumping_clock_records_each_step_once(app: &TestApp) {
    let order = reported_order(app).await;
    let now = Utc::now();
    let mut total = 0;
    for days in [3, 1, 0, 8, 2, 16, 16] {
        total += jobs::pass(&app.db, now + Duration::days(days))
            .await
            .expect("pass")
            .steps;
    }
    let recorded = steps(app, &order).await;
    assert_eq!(recorded.len(), 5);
    assert_eq!(total, 5);
    let levels: Vec<Escalation> = recorded.iter().map(|(l, _, _)| *l).collect();
    let mut sorted = levels.clone();
    sorted.sort();
    assert_eq!(levels, sorted, "the level only goes up");
}

/// A completed order stops climbing: a repair reported three days ago at 10:00 and completed
/// 20 hours later (recorded from a tablet that was offline) has only the first step.
pub async fn story_completion_stops_the_ladder(app: &TestApp) {
    let mut desk = Device::login(app, "desk", "clock-desk", 0).await;
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("offset");
    let day = (Utc::now().with_timezone(&offset) - Duration::days(3)).date_naive();
    let reported = day
        .and_hms_opt(10, 0, 0)
        .expect("10:00")
        .and_local_timezone(offset)
        .single()
        .expect("a time");
    let order = uuid::Uuid::now_v7().to_string();
    desk.record(
        &order,
        EventBody::Reported(anju_shared::order::Reported::by_staff(
            "水管漏水",
            anju_shared::model::Channel::Phone,
            anju_shared::model::Category::Repair,
        )),
        reported.timestamp_millis(),
    );
    desk.record(
        &order,
        EventBody::Completed,
        (reported + Duration::hours(20)).timestamp_millis(),
    );
    desk.sync_all().await;
    assert!(desk.rejected.is_empty(), "{:?}", desk.rejected);
    jobs::pass(&app.db, Utc::now() + Duration::days(30))
        .await
        .expect("pass");
    let levels: Vec<Escalation> = steps(app, &order)
        .await
        .iter()
        .map(|(l, _, _)| *l)
        .collect();
    assert_eq!(levels, vec![Escalation::DepartmentSupervisor]);
}

/// Two instances on one database pass at the same moment: each step is recorded once.
pub async fn story_two_instances_record_each_step_once(a: &TestApp, b: &TestApp) {
    let orders = [reported_order(a).await, reported_order(b).await];
    let later = Utc::now() + Duration::days(21);
    let (x, y) = tokio::join!(jobs::pass(&a.db, later), jobs::pass(&b.db, later));
    let total = x.expect("a").steps + y.expect("b").steps;
    assert_eq!(total, 10, "five steps for each of two orders, once");
    for order in &orders {
        assert_eq!(steps(a, order).await.len(), 5);
    }
}

/// Three households complain about the same issue within days: each complaint becomes a
/// hotspot, recorded once on its order and naming the customer-service supervisor and the
/// quality centre; a fourth pass records nothing more.
pub async fn story_a_hotspot_is_recorded_and_named(app: &TestApp) {
    let mut desk = Device::login(app, "desk", "grade-desk", 0).await;
    let mut orders = Vec::new();
    for (i, text) in [
        "3栋电梯又停了,投诉",
        "电梯天天坏,投诉物业",
        "3栋电梯困扰大家,投诉",
    ]
    .iter()
    .enumerate()
    {
        let order = uuid::Uuid::now_v7().to_string();
        desk.record(
            &order,
            EventBody::Reported(anju_shared::order::Reported {
                text: (*text).into(),
                channel: "phone".into(),
                category: Some(anju_shared::model::Category::Complaint),
                suggested: anju_shared::model::Category::Complaint,
                urgent: false,
                topic: Some("elevator".into()),
                place: Some("B3".into()),
                building_id: String::new(),
                unit_id: String::new(),
                location: String::new(),
                phone_masked: String::new(),
            }),
            (Utc::now() - Duration::hours(3 - i as i64)).timestamp_millis(),
        );
        orders.push(order);
    }
    desk.sync_all().await;
    assert!(desk.rejected.is_empty(), "{:?}", desk.rejected);
    // Before the end of the report day: no ladder step yet, only the hotspot.
    let now = Utc::now();
    jobs::pass(&app.db, now).await.expect("pass");
    jobs::pass(&app.db, now + Duration::minutes(1))
        .await
        .expect("pass");
    for order in &orders {
        let grades: Vec<(anju_shared::model::Severity, Vec<String>)> = app
            .db
            .order_events(ESTATE, order)
            .await
            .expect("events")
            .into_iter()
            .filter_map(|e| match e.body {
                EventBody::Graded { severity, to } => Some((severity, to)),
                _ => None,
            })
            .collect();
        assert_eq!(
            grades,
            vec![(
                anju_shared::model::Severity::Hotspot,
                vec!["stf-cs".to_string(), "stf-quality".to_string()]
            )],
            "order {order}"
        );
    }
}
