//! Patrols over real HTTP: definitions by role and estate, the signed code sheet, scans pushed
//! with good, forged, other-estate and revoked codes, a tablet's clock far off, and a finding
//! raised as an order the desk sees with its deadlines.

use anju_shared::order::{Event, EventBody, Reported};
use anju_shared::patrol::{CodeSheet, Flag, PatrolPlan, Proof, RoundStep, fold_round, round_id};
use anju_shared::subject::Subject;
use reqwest::Method;
use serde_json::{Value, json};

use super::{CSRF, TestApp, logged_in, send_json};

const ESTATE: &str = anju_server::seed::DEMO_ESTATE_ID;

async fn a_building(app: &TestApp, client: &reqwest::Client, estate: &str) -> String {
    let site = app
        .get_json(client, &format!("/api/estates/{estate}/site"))
        .await;
    site["buildings"][0]["id"]
        .as_str()
        .expect("a building")
        .to_string()
}

/// Defines two checkpoints and a route in `estate` as `client` (a definer); the plan after.
pub async fn define(
    app: &TestApp,
    client: &reqwest::Client,
    estate: &str,
    caretaker: &str,
) -> PatrolPlan {
    let building = a_building(app, client, estate).await;
    for (id, name, items) in [
        (
            "cp-lobby",
            "1号楼大堂",
            json!(["门禁与闭门器正常", "大堂照明正常"]),
        ),
        ("cp-garage", "地下车库", json!(["消防通道畅通无堆物"])),
    ] {
        let (status, body) = send_json(
            app,
            client,
            Method::PUT,
            &format!("/api/estates/{estate}/patrols/checkpoints/{id}"),
            json!({ "name": name, "building_id": building, "place": "东侧", "checklist": items }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = send_json(
        app,
        client,
        Method::PUT,
        &format!("/api/estates/{estate}/patrols/routes/route-morning"),
        json!({ "name": "早巡", "checkpoints": ["cp-lobby", "cp-garage"],
                "caretakers": [caretaker], "earliest": "00:00", "latest": "23:59" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).expect("a plan")
}

pub async fn story_definitions_by_role_and_field(app: &TestApp) {
    let (pm, _) = logged_in(app, "pm").await;
    let (caretaker, caretaker_id) = logged_in(app, "guanjia1").await;
    let plan = define(app, &pm, ESTATE, &caretaker_id).await;
    assert_eq!(plan.checkpoints.len(), 2);
    assert_eq!(plan.routes[0].checkpoints, vec!["cp-lobby", "cp-garage"]);
    assert_eq!(plan.threshold, 70, "the policy's patrol threshold");
    // Every checkpoint carries its current code's digest, never the code.
    assert!(plan.checkpoints.iter().all(|c| c.digest.len() == 32));
    // The caretaker reads the plan (their tablet caches it) and is given the route today.
    let seen: PatrolPlan = serde_json::from_value(
        app.get_json(&caretaker, &format!("/api/estates/{ESTATE}/patrols"))
            .await,
    )
    .expect("plan");
    assert_eq!(seen, plan);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(seen.routes_for(&caretaker_id, today).len(), 1);
    assert!(seen.routes_for("stf-guanjia2", today).is_empty());
    // …but defines nothing, and never sees the codes.
    for (method, path, body) in [
        (
            Method::PUT,
            format!("/api/estates/{ESTATE}/patrols/checkpoints/cp-x"),
            json!({ "name": "x" }),
        ),
        (
            Method::GET,
            format!("/api/estates/{ESTATE}/patrols/codes"),
            Value::Null,
        ),
    ] {
        let (status, _) = send_json(app, &caretaker, method, &path, body).await;
        assert_eq!(status, 403, "{path}");
    }
    // Bad input is refused by field, in both languages, and changes nothing.
    let cases = [
        ("checkpoints/cp-x", json!({ "name": "  " }), "name"),
        (
            "checkpoints/cp-x",
            json!({ "name": "x", "building_id": "bld-not-ours" }),
            "building_id",
        ),
        (
            "checkpoints/bad:id",
            json!({ "name": "x" }),
            "checkpoint_id",
        ),
        (
            "routes/route-x",
            json!({ "name": "x", "checkpoints": ["cp-lobby", "cp-lobby"], "earliest": "08:00", "latest": "09:00" }),
            "checkpoints",
        ),
        (
            "routes/route-x",
            json!({ "name": "x", "checkpoints": ["cp-nowhere"], "earliest": "08:00", "latest": "09:00" }),
            "checkpoints",
        ),
        (
            "routes/route-x",
            json!({ "name": "x", "checkpoints": ["cp-lobby"], "earliest": "10:00", "latest": "09:00" }),
            "latest",
        ),
        (
            "routes/route-x",
            json!({ "name": "x", "checkpoints": ["cp-lobby"], "weekdays": [8], "earliest": "08:00", "latest": "09:00" }),
            "weekdays",
        ),
        (
            "routes/route-x",
            json!({ "name": "x", "checkpoints": ["cp-lobby"], "caretakers": ["stf-bj-guanjia"], "earliest": "08:00", "latest": "09:00" }),
            "caretakers",
        ),
    ];
    for (path, body, field) in cases {
        let (status, answer) = send_json(
            app,
            &pm,
            Method::PUT,
            &format!("/api/estates/{ESTATE}/patrols/{path}"),
            body,
        )
        .await;
        assert_eq!(status, 400, "{path}: {answer}");
        assert_eq!(answer["field"], field, "{answer}");
        assert!(
            answer["message_zh"].as_str().is_some_and(|m| !m.is_empty()),
            "{answer}"
        );
    }
    let after: PatrolPlan = serde_json::from_value(
        app.get_json(&pm, &format!("/api/estates/{ESTATE}/patrols"))
            .await,
    )
    .expect("plan");
    assert_eq!(after, plan, "refusals change nothing");
    // A retired checkpoint leaves the routes; the route keeps the others.
    let (status, body) = send_json(
        app,
        &pm,
        Method::DELETE,
        &format!("/api/estates/{ESTATE}/patrols/checkpoints/cp-garage"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let plan: PatrolPlan = serde_json::from_value(body).expect("plan");
    assert_eq!(plan.routes[0].checkpoints, vec!["cp-lobby"]);
    // The customer-service supervisor defines too.
    let (cs, _) = logged_in(app, "cs").await;
    let (status, _) = send_json(
        app,
        &cs,
        Method::PUT,
        &format!("/api/estates/{ESTATE}/patrols/checkpoints/cp-bins"),
        json!({ "name": "垃圾收集点", "checklist": ["垃圾桶未满溢"] }),
    )
    .await;
    assert_eq!(status, 200);
}

fn event(round: &str, device: &str, seq: u64, actor: &str, body: EventBody) -> Event {
    let now =
        chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"));
    Event {
        id: uuid::Uuid::now_v7().to_string(),
        subject: Subject::round(round),
        device_id: device.into(),
        device_seq: seq,
        hlc: anju_shared::hlc::Hlc::new(now.timestamp_millis() as u64, seq as u32),
        actor: actor.into(),
        at: now,
        body,
        seq: None,
    }
}

fn scan(round: &str, device: &str, seq: u64, actor: &str, checkpoint: &str, token: &str) -> Event {
    event(
        round,
        device,
        seq,
        actor,
        EventBody::Round(RoundStep::Scanned {
            checkpoint_id: checkpoint.into(),
            proof: if token.is_empty() {
                Proof::Manual
            } else {
                Proof::Qr
            },
            token: token.into(),
        }),
    )
}

async fn push(
    app: &TestApp,
    client: &reqwest::Client,
    device: &str,
    events: &[Event],
    device_time: Option<i64>,
) -> Value {
    let mut req = client
        .post(app.url("/api/sync"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "device_id": device, "estate_id": ESTATE, "push": events, "cursor": 0 }));
    if let Some(ms) = device_time {
        req = req.header(anju_shared::sync::DEVICE_TIME_HEADER, ms.to_string());
    }
    req.send().await.expect("sync").json().await.expect("json")
}

fn outcome(answer: &Value, n: usize) -> (String, String) {
    let ack = &answer["acks"][n]["outcome"];
    (
        ack["outcome"].as_str().unwrap_or("").to_string(),
        ack["reason"].as_str().unwrap_or("").to_string(),
    )
}

pub async fn story_codes_forged_other_estate_and_revoked(app: &TestApp) {
    let (pm, _) = logged_in(app, "pm").await;
    let (caretaker, me) = logged_in(app, "guanjia1").await;
    let plan = define(app, &pm, ESTATE, &me).await;
    let sheet: CodeSheet = serde_json::from_value(
        app.get_json(&pm, &format!("/api/estates/{ESTATE}/patrols/codes"))
            .await,
    )
    .expect("sheet");
    assert_eq!(sheet.codes.len(), 2);
    assert!(
        sheet
            .codes
            .iter()
            .all(|c| c.svg.contains("<svg") && c.token.starts_with("anju-cp:"))
    );
    let lobby = sheet
        .codes
        .iter()
        .find(|c| c.checkpoint_id == "cp-lobby")
        .expect("lobby code")
        .token
        .clone();
    // The tablet matches a scanned code to its checkpoint by digest, offline.
    assert_eq!(
        plan.by_digest(&lobby).map(|c| c.id.as_str()),
        Some("cp-lobby")
    );

    // Another estate's code: defined by the area manager, who sees more than one estate.
    let (area, _) = logged_in(app, "area").await;
    let me_area = app.get_json(&area, "/api/me").await;
    let other = me_area["estates"]
        .as_array()
        .expect("estates")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .find(|id| *id != ESTATE)
        .expect("a second estate")
        .to_string();
    let (status, body) = send_json(
        app,
        &area,
        Method::PUT,
        &format!("/api/estates/{other}/patrols/checkpoints/cp-lobby"),
        json!({ "name": "大堂" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let their: CodeSheet = serde_json::from_value(
        app.get_json(&area, &format!("/api/estates/{other}/patrols/codes"))
            .await,
    )
    .expect("sheet");
    let theirs = their.codes[0].token.clone();
    assert!(
        plan.by_digest(&theirs).is_none(),
        "not a code of this estate"
    );

    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .date_naive();
    let round = round_id("route-morning", today);
    let route = plan.routes[0].clone();
    let forged = format!(
        "{}{}",
        &lobby[..lobby.len() - 1],
        if lobby.ends_with('0') { "1" } else { "0" }
    );
    let events = vec![
        event(
            &round,
            "tab-p",
            1,
            &me,
            EventBody::Round(RoundStep::Started(plan.snapshot(&route, today))),
        ),
        scan(&round, "tab-p", 2, &me, "cp-lobby", &forged),
        scan(&round, "tab-p", 3, &me, "cp-lobby", &theirs),
        scan(&round, "tab-p", 4, &me, "cp-garage", &lobby),
        scan(&round, "tab-p", 5, &me, "cp-lobby", "hello world"),
        scan(&round, "tab-p", 6, &me, "cp-lobby", &lobby),
    ];
    let answer = push(app, &caretaker, "tab-p", &events, None).await;
    let got: Vec<(String, String)> = (0..events.len()).map(|n| outcome(&answer, n)).collect();
    assert_eq!(got[0].0, "stored", "{answer}");
    assert_eq!(got[1].0, "rejected");
    assert!(got[1].1.contains("forged"), "{:?}", got[1]);
    assert_eq!(got[2].0, "rejected");
    assert!(
        got[2].1.contains("another estate") && got[2].1.contains(&other),
        "{:?}",
        got[2]
    );
    assert!(got[3].1.contains("another checkpoint"), "{:?}", got[3]);
    assert!(got[4].1.contains("not a checkpoint code"), "{:?}", got[4]);
    assert_eq!(got[5].0, "stored", "{answer}");
    // The message the tablet shows in Chinese names the problem too.
    assert!(
        answer["acks"][2]["outcome"]["reason_zh"]
            .as_str()
            .is_some_and(|z| z.contains("其他小区")),
        "{answer}"
    );

    // A reprint revokes the old sheet: the old code is refused, the new one taken.
    let (status, body) = send_json(
        app,
        &pm,
        Method::POST,
        &format!("/api/estates/{ESTATE}/patrols/codes/reissue"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let reprinted: CodeSheet = serde_json::from_value(body).expect("sheet");
    assert_eq!(reprinted.generation, sheet.generation + 1);
    let garage_new = reprinted
        .codes
        .iter()
        .find(|c| c.checkpoint_id == "cp-garage")
        .expect("garage")
        .token
        .clone();
    let garage_old = sheet
        .codes
        .iter()
        .find(|c| c.checkpoint_id == "cp-garage")
        .expect("garage")
        .token
        .clone();
    let again = vec![
        scan(&round, "tab-p", 7, &me, "cp-garage", &garage_old),
        scan(&round, "tab-p", 8, &me, "cp-garage", &garage_new),
    ];
    // Pushed from a tablet whose clock is an hour fast: stored, and doubted by the server.
    let skewed = chrono::Utc::now().timestamp_millis() + 3_600_000;
    let answer = push(app, &caretaker, "tab-p", &again, Some(skewed)).await;
    let (o, why) = outcome(&answer, 0);
    assert_eq!(o, "rejected");
    assert!(why.contains("revoked"), "{why}");
    assert_eq!(outcome(&answer, 1).0, "stored", "{answer}");
    let plan_now: PatrolPlan = serde_json::from_value(
        app.get_json(&caretaker, &format!("/api/estates/{ESTATE}/patrols"))
            .await,
    )
    .expect("plan");
    assert_eq!(plan_now.generation, reprinted.generation);
    assert_eq!(
        plan_now.by_digest(&garage_new).map(|c| c.id.as_str()),
        Some("cp-garage")
    );

    // The supervisor's view of the round: both checkpoints scanned, the garage's doubted.
    let pulled = push(app, &pm, "desk-p", &[], None).await;
    let log: Vec<Event> = serde_json::from_value(pulled["events"].clone()).expect("events");
    let state = fold_round(&round, &log).expect("round");
    assert_eq!(state.compliance().percent, 100);
    assert_eq!(state.scans["cp-garage"].flags, vec![Flag::Clock]);
    assert!(state.scans["cp-lobby"].flags.is_empty());
}

pub async fn story_a_finding_becomes_an_order_with_deadlines(app: &TestApp) {
    let (pm, _) = logged_in(app, "pm").await;
    let (caretaker, me) = logged_in(app, "guanjia1").await;
    let plan = define(app, &pm, ESTATE, &me).await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .date_naive();
    let round = round_id("route-morning", today);
    let order_id = uuid::Uuid::now_v7().to_string();
    let text = "地下车库消防通道堆放杂物";
    let suggestion = anju_shared::classify::classify(text);
    let mut report = Reported::by_staff(
        text,
        anju_shared::model::Channel::Patrol,
        suggestion.category,
    );
    report.location = "地下车库 东侧".into();
    // The finding's photo was taken offline: its event names it by the hash of the file as
    // taken, and the tablet uploads it before it pushes.
    let taken = super::photos::jpeg_with_gps(24, 18);
    let name = anju_shared::photo::name(&taken);
    let url = app.url(&format!("/api/estates/{ESTATE}/photos"));
    let resp = super::post_bytes(&caretaker, url, "image/jpeg", taken).await;
    assert_eq!(resp.status(), 201);
    let mut reported = event(&round, "tab-f", 4, &me, EventBody::Reported(report));
    reported.subject = Subject::order(order_id.clone());
    let events = vec![
        event(
            &round,
            "tab-f",
            1,
            &me,
            EventBody::Round(RoundStep::Started(plan.snapshot(&plan.routes[0], today))),
        ),
        scan(&round, "tab-f", 2, &me, "cp-garage", ""),
        event(
            &round,
            "tab-f",
            3,
            &me,
            EventBody::Round(RoundStep::Checked {
                checkpoint_id: "cp-garage".into(),
                item: "消防通道畅通无堆物".into(),
                ok: false,
                note: text.into(),
                photos: vec![name.clone()],
                urgent: false,
            }),
        ),
        reported,
        event(
            &round,
            "tab-f",
            5,
            &me,
            EventBody::Round(RoundStep::Raised {
                checkpoint_id: "cp-garage".into(),
                item: "消防通道畅通无堆物".into(),
                order_id: order_id.clone(),
            }),
        ),
        // A finding "raised" as an order that does not exist is refused by name.
        event(
            &round,
            "tab-f",
            6,
            &me,
            EventBody::Round(RoundStep::Raised {
                checkpoint_id: "cp-garage".into(),
                item: "消防通道畅通无堆物".into(),
                order_id: uuid::Uuid::now_v7().to_string(),
            }),
        ),
    ];
    let answer = push(app, &caretaker, "tab-f", &events, None).await;
    for n in 0..events.len() - 1 {
        assert_eq!(outcome(&answer, n).0, "stored", "{answer}");
    }
    let (kind, reason) = outcome(&answer, events.len() - 1);
    assert_eq!(kind, "rejected", "{answer}");
    assert!(reason.starts_with("order_id"), "{answer}");
    // The desk sees the order, from a patrol, with its deadlines.
    let (desk, _) = logged_in(app, "desk").await;
    let view = app
        .get_json(&desk, &format!("/api/orders/{order_id}"))
        .await;
    assert_eq!(view["state"]["channel"], "patrol", "{view}");
    assert_eq!(view["state"]["location"], "地下车库 东侧");
    let deadlines = view["evaluation"]["deadlines"]
        .as_array()
        .expect("deadlines");
    assert!(!deadlines.is_empty(), "{view}");
    // The round shows the finding with its order; the manual scan is flagged.
    let log: Vec<Event> = serde_json::from_value(answer["events"].clone()).expect("events");
    let state = fold_round(&round, &log).expect("round");
    let finding = state.findings().next().expect("a finding");
    assert_eq!(finding.order_id.as_deref(), Some(order_id.as_str()));
    assert_eq!(state.scans["cp-garage"].flags, vec![Flag::Manual]);
    assert_eq!(state.compliance().percent, 50);
    assert!(!state.compliance().meets(plan.threshold));
}
