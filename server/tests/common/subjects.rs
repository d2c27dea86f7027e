//! Events about subjects on a real database: a log made by the order-only schema (migrations up
//! to 0011, rows as that version wrote them) migrates to subjects, every kind syncs, and a
//! resident's erasure reaches the visit notes of their household.

use anju_shared::coverage::visits;
use anju_shared::order::{ERASED, Event, EventBody, Reported};
use anju_shared::patrol::{CheckpointSnap, Proof, RoundStart, RoundStep, fold_round, round_id};
use anju_shared::subject::{Subject, SubjectKind};
use serde_json::{Value, json};
use sqlx::Row;

use super::{CSRF, TestApp};

const ESTATE: &str = anju_server::seed::DEMO_ESTATE_ID;

async fn a_household(db: &anju_server::db::Db) -> String {
    sqlx::query(
        "SELECT h.id FROM households h JOIN units u ON u.id = h.unit_id \
         JOIN buildings b ON b.id = u.building_id WHERE b.estate_id = $1 ORDER BY h.id LIMIT 1",
    )
    .bind(ESTATE)
    .fetch_one(&db.pool)
    .await
    .expect("a household")
    .try_get(0)
    .expect("id")
}

/// Builds the database as the previous version left it, with its rows, then migrates.
pub async fn story_an_order_only_log_migrates_to_subjects(url: &str) {
    let old = anju_server::db::Db::connect_migrated_to(url, Some(11))
        .await
        .expect("the schema of 0011");
    anju_server::seed::seed_demo_if_empty(&old)
        .await
        .expect("seed");
    let has_subject: i64 = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations WHERE version >= 12")
        .fetch_one(&old.pool)
        .await
        .expect("migrations")
        .try_get(0)
        .expect("count");
    assert_eq!(has_subject, 0, "built before subjects");
    let household = a_household(&old).await;
    let at = "2026-03-01T09:00:00+08:00";
    let reported = EventBody::Reported(Reported::by_staff(
        "电梯异响",
        anju_shared::model::Channel::Phone,
        anju_shared::model::Category::Repair,
    ));
    let visited = EventBody::Visited {
        household_id: household.clone(),
        method: "door".into(),
        note: "住户反映电梯异响".into(),
        not_home: false,
    };
    let rows: Vec<(&str, &str, String, String)> = vec![
        (
            "ev-old-1",
            "ord-old",
            "reported".into(),
            serde_json::to_string(&reported).expect("json"),
        ),
        (
            "ev-old-2",
            "ord-old",
            "note".into(),
            r#"{"type":"note","text":"已派单"}"#.into(),
        ),
        // A visit: about no order, as the old log kept it.
        (
            "ev-old-3",
            "",
            "visited".into(),
            serde_json::to_string(&visited).expect("json"),
        ),
        // A row written around the API, which no reader takes: the migration must not choke.
        ("ev-old-4", "", "visited".into(), "{not json".into()),
    ];
    sqlx::query(
        "INSERT INTO orders (id, estate_id, reference, tracking_hash, reported_ms, contact_name, \
         contact_phone, notice_version) VALUES ('ord-old', $1, '20260301-0001', 'staff:ord-old', 0, '', '', '')",
    )
    .bind(ESTATE)
    .execute(&old.pool)
    .await
    .expect("order");
    for (n, (id, order, kind, body)) in rows.into_iter().enumerate() {
        let n = n as i64 + 1;
        sqlx::query(
            "INSERT INTO events (estate_id, seq, id, order_id, device_id, device_seq, hlc, actor, kind, at, body, received_ms) \
             VALUES ($1, $2, $3, $4, 'tablet-old', $5, $6, 'stf-guanjia1', $7, $8, $9, 0)",
        )
        .bind(ESTATE)
        .bind(n)
        .bind(id)
        .bind(order)
        .bind(n)
        .bind(format!("001772326800000-0000{n}"))
        .bind(kind)
        .bind(at)
        .bind(body)
        .execute(&old.pool)
        .await
        .expect("old row");
    }
    sqlx::query("UPDATE estates SET seq = 4 WHERE id = $1")
        .bind(ESTATE)
        .execute(&old.pool)
        .await
        .expect("seq");
    old.pool.close().await;

    // Today's server starts on it: the migration runs.
    let app = TestApp::spawn(url).await;
    let kinds: Vec<(String, String, String)> = sqlx::query(
        "SELECT id, subject_kind, subject_id FROM events WHERE estate_id = $1 ORDER BY seq",
    )
    .bind(ESTATE)
    .fetch_all(&app.db.pool)
    .await
    .expect("rows")
    .iter()
    .map(|r| {
        (
            r.try_get(0).expect("id"),
            r.try_get(1).expect("kind"),
            r.try_get(2).expect("subject"),
        )
    })
    .collect();
    assert_eq!(
        kinds,
        vec![
            ("ev-old-1".into(), "order".into(), "ord-old".into()),
            ("ev-old-2".into(), "order".into(), "ord-old".into()),
            ("ev-old-3".into(), "household".into(), household.clone()),
            ("ev-old-4".into(), "household".into(), String::new()),
        ]
    );
    let order = app.db.order_events(ESTATE, "ord-old").await.expect("order");
    assert_eq!(order.len(), 2);
    assert!(order.iter().all(|e| e.subject == Subject::order("ord-old")));
    let (pulled, cursor, _, references) = app.db.pull(ESTATE, 0, 100).await.expect("pull");
    assert_eq!(cursor, 4, "the unreadable row is passed over, not lost");
    assert_eq!(pulled.len(), 3);
    assert_eq!(references.len(), 1);
    let seen = visits(&pulled);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].household_id, household);
    assert_eq!(pulled[2].subject, Subject::household(household.clone()));

    // A device keeps working on the migrated log: a visit pushed in the old shape is stored as
    // a household event, one in the new shape too.
    let tablet = app.browser();
    app.login(&tablet, "guanjia1").await;
    let old_shape = json!({
        "id": "ev-new-1", "order_id": "", "device_id": "tablet-2", "device_seq": 1,
        "hlc": format!("{:015}-00000", chrono::Utc::now().timestamp_millis()),
        "actor": "stf-guanjia1", "at": chrono::Utc::now().fixed_offset().to_rfc3339(),
        "body": { "type": "visited", "household_id": household, "method": "phone" }
    });
    let answer = push(&app, &tablet, "tablet-2", vec![old_shape]).await;
    assert_eq!(
        answer["acks"][0]["outcome"]["outcome"], "stored",
        "{answer}"
    );
    let stored: (String, String, String) =
        sqlx::query("SELECT subject_kind, subject_id, order_id FROM events WHERE id = 'ev-new-1'")
            .fetch_one(&app.db.pool)
            .await
            .map(|r| {
                (
                    r.try_get(0).expect("k"),
                    r.try_get(1).expect("i"),
                    r.try_get(2).expect("o"),
                )
            })
            .expect("stored");
    assert_eq!(stored, ("household".into(), household, String::new()));
}

async fn push(app: &TestApp, client: &reqwest::Client, device: &str, events: Vec<Value>) -> Value {
    client
        .post(app.url("/api/sync"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "device_id": device, "estate_id": ESTATE, "push": events, "cursor": 0 }))
        .send()
        .await
        .expect("sync")
        .json()
        .await
        .expect("json")
}

fn event(subject: Subject, device: &str, seq: u64, body: EventBody) -> Event {
    let now =
        chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"));
    Event {
        id: uuid::Uuid::now_v7().to_string(),
        subject,
        device_id: device.into(),
        device_seq: seq,
        hlc: anju_shared::hlc::Hlc::new(now.timestamp_millis() as u64, seq as u32),
        actor: "stf-guanjia1".into(),
        at: now,
        body,
        seq: None,
    }
}

/// A round's events and a visit go through sync like an order's, come back to another
/// device, and fold there; a body sent about the wrong kind of subject is refused by name.
pub async fn story_every_subject_kind_syncs(app: &TestApp) {
    let household = a_household(&app.db).await;
    let tablet = app.browser();
    app.login(&tablet, "guanjia1").await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .date_naive();
    let round = round_id("route-test", today);
    let start = RoundStart {
        route_id: "route-test".into(),
        route_name: "早巡".into(),
        day: today,
        earliest: "00:00".into(),
        latest: "23:59".into(),
        checkpoints: vec![
            CheckpointSnap {
                id: "cp-1".into(),
                name: "1号楼大堂".into(),
                building_id: String::new(),
                place: String::new(),
                checklist: vec!["门禁".into()],
            },
            CheckpointSnap {
                id: "cp-2".into(),
                name: "地下车库".into(),
                building_id: String::new(),
                place: String::new(),
                checklist: vec![],
            },
        ],
    };
    let events = [
        event(
            Subject::round(round.clone()),
            "tablet-r",
            1,
            EventBody::Round(RoundStep::Started(start)),
        ),
        event(
            Subject::round(round.clone()),
            "tablet-r",
            2,
            EventBody::Round(RoundStep::Scanned {
                checkpoint_id: "cp-1".into(),
                proof: Proof::Manual,
                token: String::new(),
            }),
        ),
        event(
            Subject::household(household.clone()),
            "tablet-r",
            3,
            EventBody::Visited {
                household_id: household.clone(),
                method: "door".into(),
                note: String::new(),
                not_home: false,
            },
        ),
        // A note is about an order, not a round.
        event(
            Subject::round(round.clone()),
            "tablet-r",
            4,
            EventBody::Note { text: "x".into() },
        ),
    ];
    let answer = push(
        app,
        &tablet,
        "tablet-r",
        events
            .iter()
            .map(|e| serde_json::to_value(e).expect("json"))
            .collect(),
    )
    .await;
    let outcomes: Vec<&str> = answer["acks"]
        .as_array()
        .expect("acks")
        .iter()
        .map(|a| a["outcome"]["outcome"].as_str().expect("outcome"))
        .collect();
    assert_eq!(
        outcomes,
        vec!["stored", "stored", "stored", "rejected"],
        "{answer}"
    );
    assert!(
        answer["acks"][3]["outcome"]["reason"]
            .as_str()
            .expect("reason")
            .starts_with("subject.kind"),
        "{answer}"
    );
    // Another tablet pulls and folds each kind.
    let other = app.browser();
    app.login(&other, "guanjia2").await;
    let pulled = push(app, &other, "tablet-s", vec![]).await;
    let events: Vec<Event> = serde_json::from_value(pulled["events"].clone()).expect("events");
    let state = fold_round(&round, &events).expect("the round");
    assert_eq!(state.compliance().scanned, 1);
    assert_eq!(
        state
            .missed()
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        vec!["cp-2"]
    );
    assert!(visits(&events).iter().any(|v| v.household_id == household));
    assert!(
        events
            .iter()
            .filter(|e| e.subject.kind == SubjectKind::Round)
            .all(|e| e.order_id().is_empty())
    );
}

/// Erasing a resident redacts the notes of visits to the households they were registered in,
/// on the server and, at their next sync, on every tablet.
pub async fn story_erasure_reaches_household_visits(app: &TestApp) {
    let (household, phone): (String, String) = sqlx::query(
        "SELECT r.household_id, r.phone FROM residents r JOIN households h ON h.id = r.household_id \
         JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = u.building_id \
         WHERE b.estate_id = $1 ORDER BY r.id LIMIT 1",
    )
    .bind(ESTATE)
    .fetch_one(&app.db.pool)
    .await
    .map(|r| (r.try_get(0).expect("household"), r.try_get(1).expect("phone")))
    .expect("a registered resident");
    let tablet = app.browser();
    app.login(&tablet, "guanjia1").await;
    let visit = event(
        Subject::household(household.clone()),
        "tablet-v",
        1,
        EventBody::Visited {
            household_id: household.clone(),
            method: "door".into(),
            note: "住户说孩子在家上网课".into(),
            not_home: false,
        },
    );
    let answer = push(
        app,
        &tablet,
        "tablet-v",
        vec![serde_json::to_value(&visit).expect("json")],
    )
    .await;
    assert_eq!(
        answer["acks"][0]["outcome"]["outcome"], "stored",
        "{answer}"
    );
    let cursor = answer["cursor"].as_i64().expect("cursor");

    let admin = app.browser();
    app.login(&admin, "admin").await;
    let done: Value = admin
        .post(app.url("/api/admin/residents/erase"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "phone": phone }))
        .send()
        .await
        .expect("erase")
        .json()
        .await
        .expect("json");
    assert!(
        done["households"]
            .as_array()
            .expect("households")
            .iter()
            .any(|h| h == household.as_str()),
        "{done}"
    );
    let body: String = sqlx::query("SELECT body FROM events WHERE id = $1")
        .bind(visit.id.clone())
        .fetch_one(&app.db.pool)
        .await
        .expect("row")
        .try_get(0)
        .expect("body");
    assert!(!body.contains("网课") && body.contains("erased"), "{body}");
    // The tablet's next sync brings the household's erasure; its copy is redacted.
    let next: Value = tablet
        .post(app.url("/api/sync"))
        .header(CSRF.0, CSRF.1)
        .json(
            &json!({ "device_id": "tablet-v", "estate_id": ESTATE, "push": [], "cursor": cursor }),
        )
        .send()
        .await
        .expect("sync")
        .json()
        .await
        .expect("json");
    let pulled: Vec<Event> = serde_json::from_value(next["events"].clone()).expect("events");
    assert!(
        pulled
            .iter()
            .any(|e| e.subject == Subject::household(household.clone())
                && e.body == EventBody::Erased),
        "{next}"
    );
    let mut device = vec![visit];
    device.extend(pulled);
    anju_shared::order::redact_erased(&mut device);
    let seen = visits(&device);
    assert!(
        seen.iter()
            .all(|v| v.household_id != household || v.note == ERASED)
    );
}
