//! Ingest throughput for `cargo xtask bench`: events per second through the real `/api/sync`
//! (HTTP, JSON, rules, one transaction per push) on SQLite, against raw batched inserts of
//! the same rows into SQLite in the same run. Prints one JSON line of medians.
//!
//! `ingest_bench --seed URL` instead fills a running server (a fresh demo database) with the
//! field data set of `cargo xtask bench sync`, through the same logins and pushes: 1,000 orders
//! the desk took on the phone and 9,000 arrivals, notes and completions from a caretaker's
//! tablet. Prints one JSON line with the counts the browser must then arrive at.

use std::sync::Arc;
use std::time::Instant;

use anju_server::config::Config;
use anju_server::db::Db;
use anju_server::{AppState, seed, web};
use anju_shared::hlc::Hlc;
use anju_shared::order::{Event, EventBody, Reported};
use anju_shared::site::Site;
use anju_shared::sync::{MAX_PUSH, Outcome, SyncRequest, SyncResponse};
use chrono::{DateTime, Duration, FixedOffset};
use serde_json::{Value, json};

const EVENTS_PER_RUN: usize = 10_000;
const RUNS: usize = 5;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn note(order_id: &str, device: &str, seq: u64, actor: &str) -> Event {
    let at = chrono::DateTime::parse_from_rfc3339("2026-03-10T09:30:00+08:00").expect("time");
    Event {
        id: format!("{device}-{seq}"),
        subject: anju_shared::subject::Subject::order(order_id),
        device_id: device.to_string(),
        device_seq: seq,
        hlc: Hlc::new(1_773_106_200_000 + seq, 0),
        actor: actor.to_string(),
        at,
        body: EventBody::Note {
            text: format!("巡查记录 第{seq}条:楼道灯已更换"),
        },
        seq: None,
    }
}

async fn start() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("anju.db").display());
    let db = Db::connect(&url).await.expect("db");
    seed::seed_demo_if_empty(&db).await.expect("seed");
    let state = AppState {
        db,
        config: Arc::new(Config::for_tests(&url)),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let app = web::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app).await.expect("serve");
    });
    (base, dir)
}

async fn sync_rate(batch: usize) -> f64 {
    let (base, _dir) = start().await;
    let desk = Staff::login(&base, "desk").await;
    let site: Value = desk.get("/api/public/estates/cuihu").await;
    let receipt: Value = desk
        .client
        .post(format!("{base}/api/public/estates/cuihu/reports"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({
            "text": "楼道灯不亮",
            "building": site["buildings"][0]["id"],
            "unit": site["buildings"][0]["units"][0]["id"],
            "phone": "13800000000",
        }))
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("receipt");
    let order = receipt["order_id"].as_str().expect("order").to_string();
    let events: Vec<Event> = (1..=EVENTS_PER_RUN as u64)
        .map(|s| note(&order, "bench-tablet", s, "stf-desk"))
        .collect();
    let started = Instant::now();
    desk.push(&events, batch, &std::collections::HashMap::new())
        .await;
    EVENTS_PER_RUN as f64 / started.elapsed().as_secs_f64()
}

/// Every state change carries it (the server's CSRF check).
const CSRF: (&str, &str) = ("x-anju-csrf", "1");

/// A staff member logged in over HTTP, as a tablet is: the session cookie is kept.
struct Staff {
    client: reqwest::Client,
    base: String,
}

impl Staff {
    async fn login(base: &str, username: &str) -> Staff {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        let answer = client
            .post(format!("{base}/api/login"))
            .header(CSRF.0, CSRF.1)
            .json(&json!({ "username": username, "password": seed::DEMO_PASSWORD }))
            .send()
            .await
            .expect("login");
        assert!(
            answer.status().is_success(),
            "login of {username}: {}",
            answer.status()
        );
        Staff {
            client,
            base: base.to_string(),
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect(path)
            .json()
            .await
            .expect(path)
    }

    /// Pushes one device's events, in their order, `batch` a request; each must be stored.
    /// Pushes `events` in batches; `phones` holds the full number of each report taken by
    /// phone, sent beside it as the desk does (the log keeps only the mask).
    async fn push(
        &self,
        events: &[Event],
        batch: usize,
        phones: &std::collections::HashMap<String, String>,
    ) {
        for chunk in events.chunks(batch) {
            let contacts = chunk
                .iter()
                .filter_map(|e| {
                    phones
                        .get(e.order_id())
                        .map(|phone| anju_shared::sync::Contact {
                            order_id: e.order_id().to_string(),
                            phone: phone.clone(),
                            name: String::new(),
                        })
                })
                .collect();
            let req = SyncRequest {
                device_id: chunk[0].device_id.clone(),
                estate_id: seed::DEMO_ESTATE_ID.into(),
                push: chunk.to_vec(),
                // Past every sequence number: measure the push, not the pull.
                cursor: i64::MAX,
                limit: Some(1),
                contacts,
            };
            let resp: SyncResponse = self
                .client
                .post(format!("{}/api/sync", self.base))
                .header(CSRF.0, CSRF.1)
                .json(&req)
                .send()
                .await
                .expect("sync")
                .json()
                .await
                .expect("sync json");
            assert_eq!(resp.acks.len(), chunk.len());
            if let Some(ack) = resp
                .acks
                .iter()
                .find(|a| !matches!(a.outcome, Outcome::Stored { .. }))
            {
                panic!("event {} not stored: {:?}", ack.id, ack.outcome);
            }
        }
    }
}

/// The same rows inserted straight into SQLite (WAL, synchronous=FULL), one transaction per
/// batch: the ceiling the API is measured against.
async fn raw_rate(batch: usize) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("raw.db").display());
    let db = Db::connect(&url).await.expect("db");
    seed::seed_demo_if_empty(&db).await.expect("seed");
    let events: Vec<Event> = (1..=EVENTS_PER_RUN as u64)
        .map(|s| note("order-raw", "raw-tablet", s, "stf-desk"))
        .collect();
    let started = Instant::now();
    let mut seq = 0i64;
    for chunk in events.chunks(batch) {
        let mut tx = db.begin().await.expect("tx");
        for e in chunk {
            seq += 1;
            sqlx::query(
                "INSERT INTO events (estate_id, seq, id, order_id, device_id, device_seq, hlc, actor, kind, at, body, received_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind("est-cuihu")
            .bind(seq)
            .bind(e.id.clone())
            .bind(e.order_id().to_string())
            .bind(e.device_id.clone())
            .bind(i64::try_from(e.device_seq).unwrap_or(0))
            .bind(e.hlc.to_string())
            .bind(e.actor.clone())
            .bind("note")
            .bind(e.at.to_rfc3339())
            .bind(serde_json::to_string(&e.body).expect("json"))
            .bind(0i64)
            .execute(&mut *tx)
            .await
            .expect("insert");
        }
        tx.commit().await.expect("commit");
    }
    EVENTS_PER_RUN as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => throughput().await,
        [flag, url] if flag == "--seed" => field_data_set(url.trim_end_matches('/')).await,
        _ => {
            eprintln!("usage: ingest_bench [--seed URL]");
            std::process::exit(2);
        }
    }
}

async fn throughput() {
    let mut out = serde_json::Map::new();
    for batch in [100usize, 1000] {
        let mut api = Vec::new();
        let mut raw = Vec::new();
        for _ in 0..RUNS {
            api.push(sync_rate(batch).await);
            raw.push(raw_rate(batch).await);
        }
        let (api, raw) = (median(api), median(raw));
        out.insert(
            format!("batch_{batch}"),
            json!({ "sync_events_per_s": api.round(), "raw_events_per_s": raw.round(), "ratio": api / raw }),
        );
    }
    out.insert("events_per_run".into(), json!(EVENTS_PER_RUN));
    out.insert("runs".into(), json!(RUNS));
    println!("{}", Value::Object(out));
}

/// The field data set of `cargo xtask bench sync`: this many orders, this many events in all.
const FIELD_ORDERS: usize = 1_000;
const FIELD_EVENTS: usize = 10_000;

/// What residents phone in, in roughly the mix a desk hears (`{b}`: the building number).
const REPORTS: &[&str] = &[
    "{b}栋卫生间漏水,楼下天花板都湿了,麻烦派师傅来修",
    "{b}号楼电梯坏了,按钮没反应",
    "厨房水龙头一直滴水,关不紧",
    "家里跳闸了,插座没电,冰箱也停了",
    "楼道灯不亮好几天了,{b}栋2单元晚上很黑",
    "马桶堵了冲不下去",
    "空调外机噪音很大,晚上睡不着",
    "入户门锁坏了打不开",
    "我要投诉,{b}栋楼上装修噪音太大,物业不管",
    "反映了好几次漏水都没人处理,太过分了",
    "{b}栋门口垃圾堆了好几天没人清理",
    "楼道里有很多蟑螂,希望尽快消杀",
    "我的车位被别人占了",
    "停车场道闸不抬杆,后面排了很多车",
    "门禁卡消磁了,想重新办一张",
    "电梯里贴满了小广告",
    "The kitchen sink is leaking, building {b}",
    "電梯壞了,{b}棟的住戶都走樓梯",
];

/// What a caretaker writes on site.
const NOTES: &[&str] = &[
    "已到现场查看,需要更换水管接头,明天带配件过来",
    "住户不在家,电话未接通,已在门上留言",
    "已联系住户,约好明天上午十点上门",
    "配件已到,工程部师傅下午维修",
    "已拍照留存,等待工程部确认维修方案",
    "与楼上住户沟通过,答应晚上八点后停止施工",
    "已通知保洁班长安排清理",
    "已更换灯管,测试正常",
    "疏通完毕,住户确认可以正常使用",
    "维保公司已到场检修电梯",
    "住户表示满意,已口头回访",
    "Resident was out; left a notice on the door",
];

/// splitmix64, so every run seeds the same data set.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }

    fn minutes(&mut self, lo: usize, hi: usize) -> Duration {
        Duration::minutes((lo + self.below(hi - lo)) as i64)
    }
}

/// One device's events from (time, order, what happened), stamped as the app stamps them:
/// in time order, `device_seq` 1, 2, 3, … and a hybrid clock that follows the time.
fn device_events(
    device: &str,
    actor: &str,
    mut happened: Vec<(DateTime<FixedOffset>, String, EventBody)>,
) -> Vec<Event> {
    happened.sort_by_key(|(at, ..)| *at);
    let mut clock = anju_shared::hlc::Clock::default();
    happened
        .into_iter()
        .zip(1..)
        .map(|((at, order_id, body), device_seq)| Event {
            id: uuid::Uuid::now_v7().to_string(),
            subject: anju_shared::subject::Subject::order(order_id),
            device_id: device.to_string(),
            device_seq,
            hlc: clock.tick(u64::try_from(at.timestamp_millis()).expect("after 1970")),
            actor: actor.to_string(),
            at,
            body,
            seq: None,
        })
        .collect()
}

/// Pushes the field data set into the server at `base` (a fresh demo database): the desk's
/// reports first, then the caretaker's tablet, the way they would reach the server. Events
/// are made here with the shared types, so they are what the app itself would send.
async fn field_data_set(base: &str) {
    let desk = Staff::login(base, "desk").await;
    let caretaker = Staff::login(base, "guanjia2").await;
    let site: Site = desk
        .get(&format!("/api/public/estates/{}", seed::DEMO_ESTATE_SLUG))
        .await;
    let mut rng = Rng(2026);
    let month = DateTime::parse_from_rfc3339("2026-03-01T07:00:00+08:00").expect("time");

    let mut reports = Vec::with_capacity(FIELD_ORDERS);
    let mut phones = std::collections::HashMap::new();
    let mut work = Vec::with_capacity(FIELD_EVENTS - FIELD_ORDERS);
    // When each order's work happens: from the caretaker's arrival to its completion (or to a
    // few days later when it is still open); the notes fall in between.
    let mut spans = Vec::with_capacity(FIELD_ORDERS);
    for _ in 0..FIELD_ORDERS {
        let building = &site.buildings[rng.below(site.buildings.len())];
        let unit = &building.units[rng.below(building.units.len())];
        let room = format!(
            "{}{:02}",
            1 + rng.below(building.floors as usize),
            1 + rng.below(2)
        );
        let text = REPORTS[rng.below(REPORTS.len())].replace("{b}", &building.number.to_string());
        let suggestion = anju_shared::classify::classify(&text);
        let order_id = uuid::Uuid::now_v7().to_string();
        let reported = month + rng.minutes(0, 30 * 24 * 60);
        let phone = format!("13{:09}", rng.below(1_000_000_000));
        phones.insert(order_id.clone(), phone.clone());
        reports.push((
            reported,
            order_id.clone(),
            EventBody::Reported(Reported {
                place: suggestion
                    .place
                    .or_else(|| Some(format!("B{}", building.number))),
                text,
                channel: "phone".into(),
                category: None,
                suggested: suggestion.category,
                urgent: suggestion.urgent,
                topic: suggestion.topic,
                building_id: building.id.clone(),
                unit_id: unit.id.clone(),
                location: format!("{}{}{room}", building.name, unit.name),
                phone_masked: anju_shared::report::mask_phone(&phone),
            }),
        ));
        let arrived = reported + rng.minutes(5, 180);
        work.push((arrived, order_id.clone(), EventBody::Responded));
        let end = arrived + rng.minutes(30, 3 * 24 * 60);
        if rng.below(10) < 7 {
            work.push((end, order_id.clone(), EventBody::Completed));
        }
        spans.push((order_id, arrived, end));
    }
    while reports.len() + work.len() < FIELD_EVENTS {
        let (order_id, arrived, end) = &spans[rng.below(spans.len())];
        let minutes = (*end - *arrived).num_minutes().max(2) as usize;
        work.push((
            *arrived + rng.minutes(1, minutes),
            order_id.clone(),
            EventBody::Note {
                text: NOTES[rng.below(NOTES.len())].to_string(),
            },
        ));
    }

    desk.push(
        &device_events("desk-pc-1", "stf-desk", reports),
        MAX_PUSH,
        &phones,
    )
    .await;
    caretaker
        .push(
            &device_events("tablet-guanjia2", "stf-guanjia2", work),
            MAX_PUSH,
            &std::collections::HashMap::new(),
        )
        .await;
    println!(
        "{}",
        json!({ "events": FIELD_EVENTS, "orders": FIELD_ORDERS })
    );
}
