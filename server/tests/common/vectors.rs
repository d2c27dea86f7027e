//! EVAL.md's public vectors through the product's own path: each case becomes an estate of its
//! own under the case's preset and calendar, each order the events a desk would push through
//! `/api/sync` (a report, an assessment, the milestones at their times), and
//! `GET /api/orders/{id}?now=…` must answer exactly what `anju eval` answers for the case.

#![allow(dead_code, unreachable_pub)]

use anju_shared::calendar::Calendar;
use anju_shared::eval::EvalInput;
use anju_shared::hlc::Hlc;
use anju_shared::model::{EventKind, flags};
use anju_shared::order::{Assessment, Event, EventBody, Reported};
use anju_shared::sync::{Outcome, SyncRequest, SyncResponse};
use serde_json::{Value, json};

use super::{CSRF, TestApp, logged_in};

const CASES: &str = include_str!("../../../shared/tests/cases/public.json");

/// Makes estate `id` under `policy` and `calendar`, given to the demo project manager.
async fn estate(app: &TestApp, id: &str, policy: &str, calendar: Option<Calendar>) {
    sqlx::query(
        "INSERT INTO estates (id, company_id, region_id, slug, name, policy, utc_offset, seq) \
         VALUES ($1, 'co-anju', 'rg-south', $2, $3, $4, '+08:00', 0)",
    )
    .bind(id)
    .bind(id)
    .bind(format!("向量 {id}"))
    .bind(policy)
    .execute(&app.db.pool)
    .await
    .expect("estate");
    if let Some(calendar) = calendar {
        sqlx::query("UPDATE estates SET calendar = $1 WHERE id = $2")
            .bind(serde_json::to_string(&calendar).expect("calendar"))
            .bind(id)
            .execute(&app.db.pool)
            .await
            .expect("calendar");
    }
    sqlx::query("INSERT INTO staff_estates (staff_id, estate_id) VALUES ('stf-pm', $1)")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .expect("given");
}

pub async fn story_public_vectors_through_events(app: &TestApp) {
    let cases: Vec<Value> = serde_json::from_str(CASES).expect("public.json");
    assert!(cases.len() >= 9);
    // Estates are given at login: make them all first.
    for (k, case) in cases.iter().enumerate() {
        let input = EvalInput::from_value(&case["input"]).expect("case input");
        let policy = case["input"]["policy"].as_str().expect("a preset");
        estate(app, &format!("est-vec-{k}"), policy, input.calendar.clone()).await;
    }
    let (pm, _) = logged_in(app, "pm").await;
    let mut device_seq = 0;
    let mut failures = Vec::new();
    for (k, case) in cases.iter().enumerate() {
        let name = case["name"].as_str().unwrap_or("?");
        let estate_id = format!("est-vec-{k}");
        let input = EvalInput::from_value(&case["input"]).expect("case input");
        let mut push = Vec::new();
        let mut event = |order: &str, at, body| {
            device_seq += 1;
            let at: chrono::DateTime<chrono::FixedOffset> = at;
            // The stamp follows the event's time, as a tablet's clock would.
            Event {
                id: format!("vec-{k}-{device_seq}"),
                subject: anju_shared::subject::Subject::order(order),
                device_id: "vector-desk".into(),
                device_seq,
                hlc: Hlc::new(at.timestamp_millis() as u64, (device_seq % 1000) as u32),
                actor: "stf-pm".into(),
                at,
                body,
                seq: None,
            }
        };
        for (o, raw) in input
            .orders
            .iter()
            .zip(case["input"]["orders"].as_array().expect("orders"))
        {
            // The facts as the contract reads them (classified from the text when not given);
            // the report carries them as a desk records them.
            let facts = o.facts();
            let order = format!("vec-{k}-{}", o.id);
            push.push(event(
                &order,
                facts.reported_at,
                EventBody::Reported(Reported {
                    text: raw["text"].as_str().unwrap_or("(测试向量)").to_string(),
                    channel: "phone".into(),
                    category: Some(facts.category),
                    suggested: facts.category,
                    urgent: facts.urgent,
                    topic: facts.topic.clone(),
                    place: facts.place.clone(),
                    building_id: String::new(),
                    unit_id: String::new(),
                    location: String::new(),
                    phone_masked: String::new(),
                }),
            ));
            let assessment = Assessment {
                repair_size: raw.get("repair_size").map(|_| facts.repair_size),
                scope: facts.scope,
                reporter: facts.reporter.clone(),
                people: raw.get("people").map(|_| facts.people),
                flags: (!facts.flags.is_empty()).then(|| {
                    facts
                        .flags
                        .iter()
                        .filter(|f| flags::is_known(f))
                        .cloned()
                        .collect()
                }),
                ..Assessment::default()
            };
            if !assessment.is_empty() {
                // Recorded a minute after the report, as a desk would.
                push.push(event(
                    &order,
                    facts.reported_at + chrono::Duration::minutes(1),
                    EventBody::Assessed(assessment),
                ));
            }
            let mut milestones = facts.events.clone();
            milestones.sort_by_key(|e| e.at);
            for m in milestones {
                let body = match m.kind {
                    EventKind::Dispatched => EventBody::Dispatched { to: None },
                    EventKind::Responded => EventBody::Responded,
                    EventKind::Completed => EventBody::Completed,
                    // A vector's call may lie outside the callback hours (D-7), which the
                    // server accepts only with a reason.
                    EventKind::CalledBack => EventBody::CalledBack {
                        score: m.score.unwrap_or(5),
                        solved: None,
                        override_reason: Some("EVAL.md vector".into()),
                    },
                    EventKind::Closed => EventBody::Closed,
                };
                push.push(event(&order, m.at, body));
            }
        }
        let resp = pm
            .post(app.url("/api/sync"))
            .header(CSRF.0, CSRF.1)
            .json(&SyncRequest {
                device_id: "vector-desk".into(),
                estate_id: estate_id.clone(),
                push,
                cursor: 0,
                limit: Some(1),
                contacts: Vec::new(),
            })
            .send()
            .await
            .expect("push");
        assert_eq!(resp.status(), 200, "{name}");
        let answer: SyncResponse = resp.json().await.expect("answer");
        for ack in &answer.acks {
            assert!(
                matches!(ack.outcome, Outcome::Stored { .. }),
                "{name}: {ack:?}"
            );
        }
        let now = case["input"]["now"].as_str().expect("now");
        for expected in case["expect"]["orders"].as_array().expect("expected") {
            let id = expected["id"].as_str().expect("id");
            let path = format!("/api/orders/vec-{k}-{id}?now={}", now.replace('+', "%2B"));
            let got = app.get_json(&pm, &path).await;
            let mut evaluation = got["evaluation"].clone();
            evaluation["id"] = json!(id);
            if evaluation != *expected {
                failures.push(format!(
                    "{name}, order {id}:\n  got:    {evaluation}\n  expect: {expected}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
