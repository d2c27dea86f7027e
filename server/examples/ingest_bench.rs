//! Ingest throughput for `cargo xtask bench`: events per second through the real `/api/sync`
//! (HTTP, JSON, rules, one transaction per push) on SQLite, against raw batched inserts of
//! the same rows into SQLite in the same run. Prints one JSON line of medians.

use std::sync::Arc;
use std::time::Instant;

use anju_server::config::Config;
use anju_server::db::Db;
use anju_server::{AppState, seed, web};
use anju_shared::hlc::Hlc;
use anju_shared::order::{Event, EventBody};
use anju_shared::sync::{SyncRequest, SyncResponse};
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
        order_id: order_id.to_string(),
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
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let csrf = ("x-anju-csrf", "1");
    client
        .post(format!("{base}/api/login"))
        .header(csrf.0, csrf.1)
        .json(&json!({ "username": "desk", "password": seed::DEMO_PASSWORD }))
        .send()
        .await
        .expect("login");
    let site: Value = client
        .get(format!("{base}/api/public/estates/cuihu"))
        .send()
        .await
        .expect("site")
        .json()
        .await
        .expect("json");
    let receipt: Value = client
        .post(format!("{base}/api/public/estates/cuihu/reports"))
        .header(csrf.0, csrf.1)
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
    for chunk in events.chunks(batch) {
        let req = SyncRequest {
            device_id: "bench-tablet".into(),
            estate_id: "est-cuihu".into(),
            push: chunk.to_vec(),
            // Past every sequence number: measure the push, not the pull.
            cursor: i64::MAX,
            limit: Some(1),
        };
        let resp: SyncResponse = client
            .post(format!("{base}/api/sync"))
            .header(csrf.0, csrf.1)
            .json(&req)
            .send()
            .await
            .expect("sync")
            .json()
            .await
            .expect("sync json");
        assert_eq!(resp.acks.len(), chunk.len());
    }
    EVENTS_PER_RUN as f64 / started.elapsed().as_secs_f64()
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
            .bind(e.order_id.clone())
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
