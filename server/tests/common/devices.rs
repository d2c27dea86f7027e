//! Simulated devices for the sync stories: each logs in as a real staff member, records events
//! with its own (possibly skewed) clock while apart, and syncs over real HTTP with hostile
//! delivery — duplicates, reordering, truncated batches, lost acknowledgements.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;

use anju_shared::hlc::Clock;
use anju_shared::order::{Event, EventBody, fold, order_ids};
use anju_shared::sync::{Outcome, SyncRequest, SyncResponse};
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use serde_json::Value;

use super::{CSRF, TestApp};

/// splitmix64: the scenarios are reproducible from their seed.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

pub struct Device {
    pub id: String,
    pub staff_id: String,
    pub role: String,
    pub client: reqwest::Client,
    /// Where this device's server is (devices may talk to different instances).
    pub base: String,
    pub skew_ms: i64,
    pub clock: Clock,
    pub next_seq: u64,
    pub outbox: Vec<Event>,
    pub known: BTreeMap<String, Event>,
    pub cursor: i64,
    pub rejected: Vec<(Event, String)>,
}

pub const ESTATE: &str = "est-cuihu";

impl Device {
    pub async fn login(app: &TestApp, username: &str, id: &str, skew_ms: i64) -> Device {
        Device::login_at(&app.base, username, id, skew_ms).await
    }

    /// Logs in against a server by its base URL (e.g. the real binary).
    pub async fn login_at(base: &str, username: &str, id: &str, skew_ms: i64) -> Device {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        let resp = client
            .post(format!("{base}/api/login"))
            .header(CSRF.0, CSRF.1)
            .json(&serde_json::json!({ "username": username, "password": anju_server::seed::DEMO_PASSWORD }))
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status(), 200);
        let me: Value = client
            .get(format!("{base}/api/me"))
            .send()
            .await
            .expect("me")
            .json()
            .await
            .expect("me json");
        Device {
            id: id.to_string(),
            staff_id: me["id"].as_str().expect("staff id").to_string(),
            role: me["role"].as_str().expect("role").to_string(),
            client,
            base: base.to_string(),
            skew_ms,
            clock: Clock::default(),
            next_seq: 1,
            outbox: Vec::new(),
            known: BTreeMap::new(),
            cursor: 0,
            rejected: Vec::new(),
        }
    }

    /// Records an event locally, as the app does in one IndexedDB transaction.
    pub fn record(&mut self, order_id: &str, body: EventBody, wall_ms: i64) -> Event {
        let now = wall_ms + self.skew_ms;
        let hlc = self.clock.tick(u64::try_from(now).unwrap_or(0));
        let offset = FixedOffset::east_opt(8 * 3600).expect("offset");
        let at: DateTime<FixedOffset> = Utc
            .timestamp_millis_opt(now)
            .single()
            .expect("time")
            .with_timezone(&offset);
        let e = Event {
            id: uuid::Uuid::now_v7().to_string(),
            subject: anju_shared::subject::Subject::legacy(order_id, &body),
            device_id: self.id.clone(),
            device_seq: self.next_seq,
            hlc,
            actor: self.staff_id.clone(),
            at,
            body,
            seq: None,
        };
        self.next_seq += 1;
        self.outbox.push(e.clone());
        self.known.insert(e.id.clone(), e.clone());
        e
    }

    /// One push and pull; `Err` when the server is gone (killed) before it answered.
    pub async fn try_sync(&mut self, push: usize) -> Result<Vec<String>, reqwest::Error> {
        let req = SyncRequest {
            device_id: self.id.clone(),
            estate_id: ESTATE.to_string(),
            push: self.outbox.iter().take(push).cloned().collect(),
            cursor: self.cursor,
            limit: Some(1000),
            contacts: Vec::new(),
        };
        let resp = self
            .client
            .post(format!("{}/api/sync", self.base))
            .header(CSRF.0, CSRF.1)
            .json(&req)
            .send()
            .await?
            .error_for_status()?
            .json::<SyncResponse>()
            .await?;
        let acked = resp
            .acks
            .iter()
            .filter(|a| {
                matches!(
                    a.outcome,
                    Outcome::Stored { .. } | Outcome::Duplicate { .. }
                )
            })
            .map(|a| a.id.clone())
            .collect();
        self.absorb(&req, resp);
        Ok(acked)
    }

    pub async fn post(&self, req: &SyncRequest) -> SyncResponse {
        let resp = self
            .client
            .post(format!("{}/api/sync", self.base))
            .header(CSRF.0, CSRF.1)
            .json(req)
            .send()
            .await
            .expect("sync request");
        assert_eq!(resp.status(), 200, "sync answered {:?}", resp.text().await);
        resp.json().await.expect("sync json")
    }

    /// One sync round under hostile delivery: a random part of the outbox, shuffled, some
    /// events sent several times; the acknowledgement may be lost on the way back.
    pub async fn sync_hostile(&mut self, rng: &mut Rng) {
        let mut push: Vec<Event> = Vec::new();
        let take = if self.outbox.is_empty() {
            0
        } else {
            1 + rng.below(self.outbox.len() as u64) as usize
        };
        for e in self.outbox.iter().take(take) {
            let most = if rng.chance(20) { 5 } else { 1 };
            for _ in 0..(1 + rng.below(most)) {
                push.push(e.clone());
            }
        }
        for i in (1..push.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            push.swap(i, j);
        }
        let limit = 1 + rng.below(40) as u32;
        let req = SyncRequest {
            device_id: self.id.clone(),
            estate_id: ESTATE.to_string(),
            push,
            cursor: self.cursor,
            limit: Some(limit),
            contacts: Vec::new(),
        };
        let resp = self.post(&req).await;
        if rng.chance(25) {
            // The answer is lost: the device learns nothing and will send again.
            return;
        }
        self.absorb(&req, resp);
    }

    /// Syncs until the outbox is empty and the pull is complete.
    pub async fn sync_all(&mut self) {
        loop {
            let req = SyncRequest {
                device_id: self.id.clone(),
                estate_id: ESTATE.to_string(),
                push: self.outbox.iter().take(100).cloned().collect(),
                cursor: self.cursor,
                limit: Some(200),
                contacts: Vec::new(),
            };
            let resp = self.post(&req).await;
            let more = resp.more;
            self.absorb(&req, resp);
            if self.outbox.is_empty() && !more {
                return;
            }
        }
    }

    fn absorb(&mut self, req: &SyncRequest, resp: SyncResponse) {
        for (sent, ack) in req.push.iter().zip(resp.acks.iter()) {
            assert_eq!(sent.id, ack.id, "acks come in push order");
            match &ack.outcome {
                Outcome::Stored { .. } | Outcome::Duplicate { .. } => {
                    self.outbox.retain(|e| e.id != ack.id)
                }
                Outcome::Rejected { reason, .. } => {
                    if self.outbox.iter().any(|e| e.id == ack.id) {
                        self.rejected.push((sent.clone(), reason.clone()));
                        self.known.remove(&ack.id);
                    }
                    self.outbox.retain(|e| e.id != ack.id);
                }
            }
        }
        let wall = u64::try_from(Utc::now().timestamp_millis() + self.skew_ms).unwrap_or(0);
        for e in resp.events {
            self.clock.observe(e.hlc, wall);
            self.known.insert(e.id.clone(), e);
        }
        self.cursor = resp.cursor;
    }

    pub fn events(&self) -> Vec<Event> {
        self.known.values().cloned().collect()
    }
}

/// Every event the server has for the estate, by a fresh pull from 0.
pub async fn server_events(device: &Device) -> Vec<Event> {
    let mut cursor = 0;
    let mut all = Vec::new();
    loop {
        let req = SyncRequest {
            device_id: format!("{}-audit", device.id),
            estate_id: ESTATE.to_string(),
            push: Vec::new(),
            cursor,
            limit: Some(1000),
            contacts: Vec::new(),
        };
        let resp = device.post(&req).await;
        cursor = resp.cursor;
        let more = resp.more;
        all.extend(resp.events);
        if !more {
            return all;
        }
    }
}

/// A random edit a device of this role may make to an order.
pub fn random_edit(rng: &mut Rng, role: &str, wall_ms: i64) -> EventBody {
    let desk_like = role != "caretaker" && role != "technician";
    let offset = FixedOffset::east_opt(8 * 3600).expect("offset");
    match rng.below(if desk_like { 9 } else { 4 }) {
        0 => EventBody::Note {
            text: format!("备注 {}", rng.below(1000)),
        },
        1 => EventBody::Responded,
        2 => EventBody::Completed,
        // Ahead of the device's own clock however far it is off (a day at most): an
        // appointment in the past is refused.
        3 => EventBody::Appointment {
            at: Utc
                .timestamp_millis_opt(wall_ms + 3_600_000 * (25 + rng.below(48) as i64))
                .single()
                .expect("time")
                .with_timezone(&offset),
        },
        4 => EventBody::Reassigned {
            to: format!("stf-tech{}", 1 + rng.below(3)),
        },
        5 => EventBody::Dispatched {
            to: Some("stf-tech1".into()),
        },
        // At any hour of the day, so with the reason a call outside the callback hours needs.
        6 => EventBody::CalledBack {
            score: 1 + rng.below(5) as u8,
            solved: None,
            override_reason: Some("设备测试:任意时刻".into()),
        },
        7 => EventBody::Closed,
        _ => EventBody::Reopened {
            reason: "回访不满意".into(),
        },
    }
}

/// The story: devices work apart with skewed clocks and sync under hostile delivery; in the
/// end every device folds every order exactly as the server does, nothing is lost and nothing
/// is stored twice.
pub async fn story_devices_converge(apps: &[&TestApp], seed: u64, devices: usize, skew_ms: i64) {
    let mut rng = Rng(seed);
    let users = ["desk", "cs", "guanjia1", "guanjia2", "dept"];
    let mut fleet = Vec::new();
    for i in 0..devices {
        let app = apps[i % apps.len()];
        let skew = (rng.below(2 * skew_ms as u64 + 1) as i64) - skew_ms;
        fleet.push(
            Device::login(
                app,
                users[i % users.len()],
                &format!("dev-{seed}-{i}"),
                skew,
            )
            .await,
        );
    }
    // Orders to work on, reported through the public form.
    let mut orders = Vec::new();
    for k in 0..4 {
        let body = apps[0].valid_report(&format!("楼道漏水 #{seed}-{k}")).await;
        let receipt: Value = apps[0].report(&body).await.json().await.expect("receipt");
        orders.push(receipt["order_id"].as_str().expect("order id").to_string());
    }
    for d in fleet.iter_mut() {
        d.sync_all().await;
    }
    let mut wall = Utc::now().timestamp_millis();
    let mut created = 0usize;
    for _round in 0..30 {
        wall += 1 + rng.below(60_000) as i64;
        let d = rng.below(fleet.len() as u64) as usize;
        let device = &mut fleet[d];
        if rng.chance(70) {
            let order = &orders[rng.below(orders.len() as u64) as usize];
            let body = random_edit(&mut rng, &device.role.clone(), wall);
            device.record(order, body, wall);
            created += 1;
        } else {
            device.sync_hostile(&mut rng).await;
        }
    }
    for d in fleet.iter_mut() {
        d.sync_all().await;
    }
    // A second pass: devices that synced early pull what others pushed after.
    for d in fleet.iter_mut() {
        d.sync_all().await;
    }
    let server = server_events(&fleet[0]).await;
    let mut ids: Vec<&str> = server.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "an event was stored twice");
    let seqs: Vec<i64> = server
        .iter()
        .map(|e| e.seq.expect("stored events have a seq"))
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "the sequence has gaps: {seqs:?}"
    );
    let rejected: usize = fleet.iter().map(|d| d.rejected.len()).sum();
    let mine = server
        .iter()
        .filter(|e| fleet.iter().any(|d| d.id == e.device_id))
        .count();
    assert_eq!(
        mine + rejected,
        created,
        "every recorded event is stored or rejected"
    );
    for o in order_ids(&server) {
        let want = fold(&o, &server);
        for d in &fleet {
            assert_eq!(
                fold(&o, &d.events()),
                want,
                "device {} disagrees on {o}",
                d.id
            );
        }
    }
}

/// Devices pushing and pulling at the same time, through several server instances: every
/// device's cursor-driven pulls end with exactly the server's events — no cursor skipped an
/// event that committed late.
pub async fn story_concurrent_devices(apps: &[&TestApp], devices: usize, rounds: usize) {
    let users = ["desk", "cs", "guanjia1", "guanjia2", "dept"];
    let body = apps[0].valid_report("地库积水").await;
    let receipt: Value = apps[0].report(&body).await.json().await.expect("receipt");
    let order = receipt["order_id"].as_str().expect("order id").to_string();
    let mut tasks = Vec::new();
    for i in 0..devices {
        let app = apps[i % apps.len()];
        let mut device = Device::login(app, users[i % users.len()], &format!("conc-{i}"), 0).await;
        let order = order.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(1000 + i as u64);
            for r in 0..rounds {
                for _ in 0..(1 + rng.below(3)) {
                    let text = format!("设备{i} 第{r}轮");
                    device.record(
                        &order,
                        EventBody::Note { text },
                        Utc::now().timestamp_millis(),
                    );
                }
                // Small pages, so pulls interleave with other devices' commits.
                let req = SyncRequest {
                    device_id: device.id.clone(),
                    estate_id: ESTATE.to_string(),
                    push: device.outbox.clone(),
                    cursor: device.cursor,
                    limit: Some(1 + rng.below(5) as u32),
                    contacts: Vec::new(),
                };
                let resp = device.post(&req).await;
                device.absorb(&req, resp);
            }
            device.sync_all().await;
            device
        }));
    }
    let mut fleet = Vec::new();
    for t in tasks {
        fleet.push(t.await.expect("device task"));
    }
    for d in fleet.iter_mut() {
        d.sync_all().await;
    }
    let server = server_events(&fleet[0]).await;
    let want: std::collections::BTreeSet<&str> = server.iter().map(|e| e.id.as_str()).collect();
    for d in &fleet {
        let got: std::collections::BTreeSet<&str> = d.known.keys().map(String::as_str).collect();
        assert_eq!(got, want, "device {} missed or invented events", d.id);
        assert!(d.rejected.is_empty(), "{:?}", d.rejected);
    }
    let state = fold(&order, &server).expect("folded");
    let notes = server
        .iter()
        .filter(|e| matches!(e.body, EventBody::Note { .. }))
        .count();
    assert_eq!(state.notes.len(), notes);
}

/// How many refused events the server kept under this id and key.
pub async fn kept_refused(app: &TestApp, e: &Event) -> i64 {
    use sqlx::Row;
    sqlx::query(
        "SELECT COUNT(*) FROM rejected_events WHERE id = $1 AND device_id = $2 AND device_seq = $3",
    )
    .bind(e.id.clone())
    .bind(e.device_id.clone())
    .bind(i64::try_from(e.device_seq).expect("device_seq"))
    .fetch_one(&app.db.pool)
    .await
    .expect("rejected_events")
    .try_get(0)
    .expect("count")
}

/// The story: a `(device_id, device_seq)` reused by a different event, or an event id reused
/// under another key, is refused with a reason naming the field and kept for review — never
/// answered `duplicate` (the device would delete it) and never a failed push (the device
/// would retry it forever). A true repeat stays a duplicate; every answer is stable.
pub async fn story_reused_keys_are_refused_and_kept(app: &TestApp) {
    let body = app.valid_report("电梯异响").await;
    let receipt: Value = app.report(&body).await.json().await.expect("receipt");
    let order = receipt["order_id"].as_str().expect("order id").to_string();
    let mut d = Device::login(app, "desk", "reuse-tablet", 0).await;
    let now = Utc::now().timestamp_millis();
    let first = d.record(
        &order,
        EventBody::Note {
            text: "第一条".into(),
        },
        now,
    );
    d.sync_all().await;
    let stored_before = app.events_stored().await;
    let note = |text: &str, device_seq: u64| Event {
        id: uuid::Uuid::now_v7().to_string(),
        device_seq,
        body: EventBody::Note { text: text.into() },
        ..first.clone()
    };

    // Another event under the first one's key (a device that lost its counter).
    let same_key = note("同一编号的另一条", first.device_seq);
    // The first one's id under a new key.
    let same_id = Event {
        device_seq: 2,
        ..first.clone()
    };
    // A fresh event in the same push is stored: one bad event does not fail the batch.
    let fresh = note("新的一条", 3);
    let refused = |o: &Outcome| match o {
        Outcome::Rejected { reason, .. } => reason.clone(),
        other => panic!("refused expected, got {other:?}"),
    };
    // Twice: the second time every event is a repeat and must get the same answer.
    for round in 0..2 {
        let resp = d
            .post(&SyncRequest {
                device_id: d.id.clone(),
                estate_id: ESTATE.to_string(),
                push: vec![same_key.clone(), first.clone()],
                cursor: d.cursor,
                limit: Some(1),
                contacts: Vec::new(),
            })
            .await;
        assert_eq!(
            refused(&resp.acks[0].outcome),
            "device_seq: already used by another event",
            "round {round}"
        );
        assert!(
            matches!(resp.acks[1].outcome, Outcome::Duplicate { .. }),
            "round {round}: a true repeat stays a duplicate: {:?}",
            resp.acks[1]
        );
        let resp = d
            .post(&SyncRequest {
                device_id: d.id.clone(),
                estate_id: ESTATE.to_string(),
                push: vec![same_id.clone(), fresh.clone()],
                cursor: d.cursor,
                limit: Some(1),
                contacts: Vec::new(),
            })
            .await;
        assert_eq!(
            refused(&resp.acks[0].outcome),
            "id: already used by another event",
            "round {round}"
        );
        match (round, &resp.acks[1].outcome) {
            (0, Outcome::Stored { .. }) | (1, Outcome::Duplicate { .. }) => {}
            other => panic!("the fresh event: {other:?}"),
        }
        assert_eq!(kept_refused(app, &same_key).await, 1, "round {round}");
        assert_eq!(kept_refused(app, &same_id).await, 1, "round {round}");
    }
    assert_eq!(app.events_stored().await, stored_before + 1);
    let server = server_events(&d).await;
    let held = server.iter().find(|e| e.id == first.id).expect("stored");
    assert_eq!(
        (held.device_seq, &held.body),
        (first.device_seq, &first.body),
        "the first holder is untouched"
    );

    // One id refused by a rule under two keys: both refusals are kept.
    let empty = note(" ", 10);
    let empty_again = Event {
        device_seq: 11,
        ..empty.clone()
    };
    let req = SyncRequest {
        device_id: d.id.clone(),
        estate_id: ESTATE.to_string(),
        push: vec![empty.clone(), empty_again.clone()],
        cursor: d.cursor,
        limit: Some(1),
        contacts: Vec::new(),
    };
    let resp = d.post(&req).await;
    for ack in &resp.acks {
        assert!(
            matches!(&ack.outcome, Outcome::Rejected { reason, .. } if reason.starts_with("text:")),
            "{ack:?}"
        );
    }
    assert_eq!(kept_refused(app, &empty).await, 1);
    assert_eq!(kept_refused(app, &empty_again).await, 1);
}
