//! Household visit plans over HTTP (V-1, V-2): the proposal for next month, a move-in day
//! making a household a new resident with its deadline, a supervisor's edits checked by field
//! (nothing changed on a refusal), approval audited, each caretaker seeing only their part,
//! and the 25th's flag.

use chrono::{Datelike, Days, Months, NaiveDate, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use super::{TestApp, audit_count, logged_in, send_json};

fn month_key(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

fn items(plan: &Value) -> Vec<Value> {
    plan["items"].as_array().cloned().unwrap_or_default()
}

pub async fn story_visit_plans(app: &TestApp) {
    let (cs, _) = logged_in(app, "cs").await;
    let (desk, _) = logged_in(app, "desk").await;
    let (g1, g1_id) = logged_in(app, "guanjia1").await;
    let (g2, g2_id) = logged_in(app, "guanjia2").await;
    let (tech, tech_id) = logged_in(app, "tech1").await;
    let today = (Utc::now() + chrono::Duration::hours(8)).date_naive();
    let next = today.with_day(1).unwrap() + Months::new(1);
    let month = month_key(next);
    let url = format!("/api/estates/est-cuihu/visit-plans/{month}");

    // Nothing saved: the proposal, every household at most once, shared by both caretakers.
    let proposed = app.get_json(&cs, &url).await;
    assert_eq!(proposed["status"], "proposed", "{proposed}");
    let expected_deadline = (next - Months::new(1)).with_day(25).unwrap();
    assert_eq!(proposed["deadline"], expected_deadline.to_string());
    let list = items(&proposed);
    assert!(!list.is_empty());
    let mut ids: Vec<&str> = list
        .iter()
        .map(|i| i["household_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "no household twice");
    for c in [&g1_id, &g2_id] {
        assert!(
            list.iter().any(|i| i["caretaker_id"] == c.as_str()),
            "{c} has a part"
        );
    }
    assert_eq!(proposed["caretakers"].as_array().unwrap().len(), 2);
    // A caretaker sees nothing of a plan not approved; a technician is refused.
    assert!(items(&app.get_json(&g1, &url).await).is_empty());
    let refused = tech.get(app.url(&url)).send().await.unwrap();
    assert_eq!(refused.status(), 403);

    // The desk enters a move-in day: the household becomes a new resident, planned first.
    let households = app
        .get_json(&desk, "/api/estates/est-cuihu/households")
        .await;
    let newcomer = households[5]["id"].as_str().unwrap().to_string();
    let moved = today - Days::new(1);
    let moved_url = format!("/api/estates/est-cuihu/households/{newcomer}/moved-in");
    let (status, body) = send_json(
        app,
        &desk,
        Method::PUT,
        &moved_url,
        json!({"moved_in": moved.to_string()}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let listed = app
        .get_json(&desk, "/api/estates/est-cuihu/households")
        .await;
    assert_eq!(listed[5]["moved_in"], moved.to_string());
    for bad in ["2026-02-30", "yesterday", "1999-01-01"] {
        let (status, body) = send_json(
            app,
            &desk,
            Method::PUT,
            &moved_url,
            json!({"moved_in": bad}),
        )
        .await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["field"], "moved_in", "{body}");
        assert!(body["message_zh"].as_str().unwrap().contains("入住日期"));
    }
    let (status, _) = send_json(
        app,
        &desk,
        Method::PUT,
        "/api/estates/est-cuihu/households/no-such-household/moved-in",
        json!({"moved_in": moved.to_string()}),
    )
    .await;
    assert_eq!(status, 404);
    // A caretaker may not set it.
    let (status, _) = send_json(app, &g1, Method::PUT, &moved_url, json!({"moved_in": null})).await;
    assert_eq!(status, 403);

    let proposed = app.get_json(&cs, &url).await;
    let list = items(&proposed);
    let first_new = list
        .iter()
        .find(|i| i["household_id"] == newcomer.as_str())
        .expect("the new resident is planned");
    assert_eq!(first_new["reason"], "new_resident");
    assert_eq!(first_new["due"], (moved + Days::new(3)).to_string());

    // The supervisor moves one household to the other caretaker and removes another.
    let mut edited = list.clone();
    let moved_household = edited[0]["household_id"].clone();
    let to = if edited[0]["caretaker_id"] == g1_id.as_str() {
        g2_id.clone()
    } else {
        g1_id.clone()
    };
    edited[0]["caretaker_id"] = json!(to);
    let removed = edited.pop().unwrap();
    let (status, draft) = send_json(
        app,
        &cs,
        Method::PUT,
        &url,
        json!({"items": edited.clone()}),
    )
    .await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["status"], "draft");
    let saved = app.get_json(&cs, &url).await;
    assert_eq!(items(&saved), edited);
    assert!(
        !items(&saved)
            .iter()
            .any(|i| i["household_id"] == removed["household_id"])
    );

    // Refusals name the item and change nothing.
    let mut twice = edited.clone();
    twice.push(edited[0].clone());
    let (status, body) = send_json(app, &cs, Method::PUT, &url, json!({"items": twice})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["field"],
        format!("items[{}].household_id", edited.len())
    );
    let mut stranger = edited.clone();
    stranger[0]["caretaker_id"] = json!(tech_id);
    let (status, body) = send_json(app, &cs, Method::PUT, &url, json!({"items": stranger})).await;
    assert_eq!(status, 400);
    assert_eq!(body["field"], "items[0].caretaker_id");
    assert!(body["message_zh"].as_str().unwrap().contains("管家"));
    let (status, body) = send_json(
        app,
        &cs,
        Method::PUT,
        "/api/estates/est-cuihu/visit-plans/2026-13",
        json!({"items": []}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["field"], "month");
    assert_eq!(items(&app.get_json(&cs, &url).await), edited, "unchanged");
    // The desk and caretakers may not plan.
    let (status, _) = send_json(app, &desk, Method::PUT, &url, json!({"items": []})).await;
    assert_eq!(status, 403);
    let (status, _) = send_json(
        app,
        &g1,
        Method::POST,
        &format!("{url}/approve"),
        json!({"items": []}),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(items(&app.get_json(&cs, &url).await), edited, "unchanged");

    // Approved: audited, and each caretaker sees exactly their part.
    let before = audit_count(app, "visit_plan_approved").await;
    let (status, approved) = send_json(
        app,
        &cs,
        Method::POST,
        &format!("{url}/approve"),
        json!({"items": edited.clone()}),
    )
    .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["approved_by"], "stf-cs");
    assert_eq!(approved["late"], false);
    assert_eq!(audit_count(app, "visit_plan_approved").await, before + 1);
    for (client, id) in [(&g1, &g1_id), (&g2, &g2_id)] {
        let mine = items(&app.get_json(client, &url).await);
        let expected: Vec<Value> = edited
            .iter()
            .filter(|i| i["caretaker_id"] == id.as_str())
            .cloned()
            .collect();
        assert_eq!(mine, expected, "{id}");
        assert!(!mine.is_empty());
    }
    assert!(
        items(&app.get_json(&if to == g1_id { g1 } else { g2 }, &url).await)
            .iter()
            .any(|i| i["household_id"] == moved_household)
    );

    // A month whose 25th has passed without approval is flagged; once approved it is not.
    let past = "/api/estates/est-cuihu/visit-plans/2026-01";
    assert_eq!(app.get_json(&cs, past).await["late"], true);
    let (status, body) = send_json(
        app,
        &cs,
        Method::POST,
        &format!("{past}/approve"),
        json!({"items": []}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.get_json(&cs, past).await["late"], false);
}
