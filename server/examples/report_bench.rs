//! The manager's figures for `cargo xtask bench report`: prints one JSON line of medians.
//!
//! - `compute_ms`: the dashboard (every §6 measure, counts, open work, coverage, the orders
//!   to analyse) of a company of 200 estates and 1,000,000 orders over a year, for one month
//!   (what the server folds for it: that month's orders and those still open) — the figures
//!   of the KPI page and the monthly report, without storage.
//! - `xlsx_ms`: the company's monthly workbook from those figures.
//! - `sqlite_ms`, `postgres_ms`: the same month through storage, the whole company (200
//!   estates, 1,000,000 orders) kept as the server keeps them (each order's folded state,
//!   `store/folded.rs`): every estate's orders of the month and its open ones read
//!   (`Db::estate_data`) and the dashboard computed; its figures must equal those computed
//!   in memory. PostgreSQL when `ANJU_BENCH_PG_URL` or `ANJU_TEST_PG_URL` names one (a fresh
//!   database is made and dropped), else `null`.
//! - `*_refresh_per_s`: how fast the background refresher folds stale orders from their
//!   events (20,000 orders stored as events, as after an upgrade or a day of pushes).

use std::time::Instant;

use anju_server::db::Db;
use anju_server::store::folded;
use anju_server::{figures, seed};
use anju_shared::dashboard::MonthlyReport;
use anju_shared::dashboard::{self, EstateData, ScopeKind};
use anju_shared::hlc::Hlc;
use anju_shared::model::{Category, Channel};
use anju_shared::order::{Event, EventBody, OrderState, Reported, fold};
use anju_shared::policy::Policy;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde_json::json;

const ESTATES: usize = 200;
const ORDERS_PER_ESTATE: usize = 5_000;
/// Estates whose orders are stored as events, stale, to time the refresher.
const REFRESH_ESTATES: usize = 4;
const RUNS: usize = 5;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

const CATEGORIES: [Category; 4] = [
    Category::Repair,
    Category::Complaint,
    Category::Consultation,
    Category::SpecialService,
];

/// One order's events over 2025: reported, answered 10–90 minutes later, most completed,
/// called back and closed.
fn order_events(estate: usize, n: usize, rng: &mut Rng) -> Vec<Event> {
    let start = DateTime::parse_from_rfc3339("2025-01-01T08:00:00+08:00").expect("time");
    let reported = start + Duration::minutes((rng.next() % (365 * 24 * 60)) as i64);
    let id = format!("o-{estate}-{n}");
    let category = CATEGORIES[(rng.next() % 4) as usize];
    let channel = Channel::ALL[(rng.next() % Channel::ALL.len() as u64) as usize];
    let mut bodies = vec![(
        EventBody::Reported(Reported::by_staff("水管漏水", channel, category)),
        reported,
    )];
    bodies.push((
        EventBody::Responded,
        reported + Duration::minutes(10 + (rng.next() % 80) as i64),
    ));
    if !rng.next().is_multiple_of(10) {
        let done = reported + Duration::hours(2 + (rng.next() % 30) as i64);
        bodies.push((EventBody::Completed, done));
        bodies.push((
            EventBody::callback(2 + (rng.next() % 4) as u8),
            done + Duration::hours(20),
        ));
        if !rng.next().is_multiple_of(8) {
            bodies.push((EventBody::Closed, done + Duration::hours(21)));
        }
    }
    bodies
        .into_iter()
        .enumerate()
        .map(|(k, (body, at))| Event {
            id: format!("{id}-{k}"),
            subject: anju_shared::subject::Subject::order(id.clone()),
            device_id: format!("dev-{estate}"),
            device_seq: (n * 8 + k) as u64 + 1,
            hlc: Hlc::new(at.timestamp_millis() as u64, k as u32),
            actor: "stf-desk".into(),
            at,
            body,
            seq: None,
        })
        .collect()
}

fn estate(i: usize, orders: Vec<OrderState>) -> EstateData {
    let policy = Policy::preset(if i.is_multiple_of(2) {
        "cmsk"
    } else {
        "crland"
    })
    .expect("preset");
    EstateData {
        id: format!("est-{i}"),
        name: format!("项目{i}"),
        references: orders.iter().map(|o| o.id.clone()).collect(),
        orders,
        policy,
        calendar: anju_shared::calendar::Calendar::cn_2026(),
        homes: (0..800)
            .map(|h| (format!("h-{i}-{h}"), h % 10 == 0))
            .collect(),
        visits: Vec::new(),
    }
}

fn month() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(2025, 6, 1).expect("date"),
        NaiveDate::from_ymd_opt(2025, 7, 1).expect("date"),
    )
}

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-01-05T12:00:00+08:00").expect("now")
}

/// The month's slice the server folds: orders reported in it, and those still open.
fn slice(all: &[OrderState], offset: FixedOffset) -> Vec<OrderState> {
    let (from, to) = month();
    let (from, to) = (
        dashboard::start_of(from, offset),
        dashboard::start_of(to, offset),
    );
    all.iter()
        .filter(|o| {
            o.reported_at < to
                && (o.reported_at >= from || o.status < anju_shared::order::Status::Completed)
        })
        .cloned()
        .collect()
}

/// Inserts the company's orders into `db` as the server keeps them after the refresher's
/// pass: each order's row with its folded state (written as the server writes it) and
/// current. Multi-row inserts: seeding is not what is measured.
async fn seed_kept(db: &Db) {
    let mut rng = Rng(42);
    for e in 0..ESTATES {
        let id = format!("est-bench-{e}");
        sqlx::query(
            "INSERT INTO estates (id, company_id, region_id, slug, name, policy, utc_offset, seq) \
             VALUES ($1, 'co-anju', 'rg-south', $2, $3, $4, '+08:00', 0)",
        )
        .bind(id.clone())
        .bind(id.clone())
        .bind(format!("项目{e}"))
        .bind(if e.is_multiple_of(2) {
            "cmsk"
        } else {
            "crland"
        })
        .execute(&db.pool)
        .await
        .expect("estate");
        let states: Vec<OrderState> = (0..ORDERS_PER_ESTATE)
            .filter_map(|n| {
                let events = order_events(e, n, &mut rng);
                fold(events[0].order_id(), &events)
            })
            .collect();
        let mut tx = db.begin().await.expect("tx");
        for (c, chunk) in states.chunks(100).enumerate() {
            let marks: Vec<String> = (0..chunk.len())
                .map(|k| {
                    let b = k * 7;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, '', '', '', 0, 0, ${}, ${}, $1)",
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 7,
                        b + 8
                    )
                })
                .collect();
            // 7 placeholders per row after the shared `$1` (folded_by): see the format.
            let sql = format!(
                "INSERT INTO orders (id, estate_id, reference, tracking_hash, reported_ms, contact_name, contact_phone, \
                 notice_version, touches, folded_touches, folded, is_open, folded_by) VALUES {}",
                marks.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(anju_shared::SOURCE.to_string());
            for (k, o) in chunk.iter().enumerate() {
                let (json, open) = folded::kept_columns(Some(o)).expect("state");
                let n = c * 100 + k;
                q = q
                    .bind(o.id.clone())
                    .bind(id.clone())
                    .bind(format!("ref-{n}"))
                    .bind(format!("{id}-{n}"))
                    .bind(o.reported_at.timestamp_millis())
                    .bind(json)
                    .bind(open);
            }
            q.execute(&mut *tx).await.expect("orders");
        }
        tx.commit().await.expect("commit");
    }
}

/// The month's figures of the whole company read from `db` and computed, `runs` times: every
/// estate's orders of the month and its open ones read (`figures::load`, as the routes do) and the dashboard
/// computed. The medians and the company's total, to compare with the in-memory one.
async fn read_runs(db: &Db, runs: usize) -> (f64, dashboard::Figures) {
    let estates = db
        .estates_by_ids(
            &(0..ESTATES)
                .map(|e| format!("est-bench-{e}"))
                .collect::<Vec<_>>(),
        )
        .await
        .expect("estates");
    let scope = figures::Scope {
        kind: ScopeKind::Company,
        id: String::new(),
        name: "公司".into(),
        estates,
    };
    let mut times = Vec::new();
    let mut total = None;
    for _ in 0..runs {
        let started = Instant::now();
        let data = figures::load(db, &scope, month().0, month().1)
            .await
            .expect("data");
        let board = dashboard::dashboard(ScopeKind::Company, "", "公司", &data, month(), now());
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(board.estates.len(), ESTATES);
        total = Some(board.total);
    }
    (median(times), total.expect("a run"))
}

/// The refresher's pace: `REFRESH_ESTATES` estates' orders stored as events (stale, as after
/// an upgrade or a day of pushes) folded by `Db::refresh_folded` until none is left. Orders
/// folded per second.
async fn refresh_run(db: &Db) -> f64 {
    let mut rng = Rng(7);
    for e in 0..REFRESH_ESTATES {
        let id = format!("est-stale-{e}");
        sqlx::query(
            "INSERT INTO estates (id, company_id, region_id, slug, name, policy, utc_offset, seq) \
             VALUES ($1, 'co-anju', 'rg-south', $2, $3, 'cmsk', '+08:00', 0)",
        )
        .bind(id.clone())
        .bind(id.clone())
        .bind(format!("旧项目{e}"))
        .execute(&db.pool)
        .await
        .expect("estate");
        let mut tx = db.begin().await.expect("tx");
        let mut seq = 0i64;
        for n in 0..ORDERS_PER_ESTATE {
            let events = order_events(1000 + e, n, &mut rng);
            sqlx::query(
                "INSERT INTO orders (id, estate_id, reference, tracking_hash, reported_ms, contact_name, contact_phone, notice_version) \
                 VALUES ($1, $2, $3, $4, $5, '', '', '')",
            )
            .bind(events[0].order_id().to_string())
            .bind(id.clone())
            .bind(format!("ref-{n}"))
            .bind(format!("{id}-{n}"))
            .bind(events[0].at.timestamp_millis())
            .execute(&mut *tx)
            .await
            .expect("order");
            for ev in &events {
                seq += 1;
                anju_server::db::insert_event(&mut tx, &id, seq, ev)
                    .await
                    .expect("event");
            }
        }
        tx.commit().await.expect("commit");
    }
    let started = Instant::now();
    let mut folded = 0;
    loop {
        match db.refresh_folded(2_000).await.expect("refresh") {
            0 => break,
            n => folded += n,
        }
    }
    folded as f64 / started.elapsed().as_secs_f64()
}

/// A fresh database on the PostgreSQL of `ANJU_BENCH_PG_URL` (else `ANJU_TEST_PG_URL`), and
/// the server's URL to drop it with; `None` when neither is set.
async fn fresh_postgres() -> Option<(String, String)> {
    use sqlx::Connection;
    let base = ["ANJU_BENCH_PG_URL", "ANJU_TEST_PG_URL"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|u| !u.trim().is_empty())?;
    let name = format!("anju_bench_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(&base).await.expect("postgres");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(&mut conn)
    .await
    .expect("drop");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create");
    let (prefix, _) = base.rsplit_once('/').expect("a database name");
    Some((format!("{prefix}/{name}"), base))
}

/// One backend's figures: (read median ms, refresher orders/s), and the company's total read
/// from storage must equal the one computed in memory.
async fn store_run(url: &str, expected: &dashboard::Figures) -> (f64, f64) {
    let db = Db::connect(url).await.expect("db");
    seed::seed_demo_if_empty(&db).await.expect("seed");
    seed_kept(&db).await;
    let (ms, total) = read_runs(&db, RUNS).await;
    assert_eq!(
        serde_json::to_value(&total).expect("json"),
        serde_json::to_value(expected).expect("json"),
        "the month read from storage must give the figures computed in memory"
    );
    let pace = refresh_run(&db).await;
    db.pool.close().await;
    (ms, pace)
}

#[tokio::main]
async fn main() {
    let mut rng = Rng(42);
    let offset = FixedOffset::east_opt(8 * 3600).expect("offset");
    let mut estates = Vec::with_capacity(ESTATES);
    let mut all_orders = 0;
    for e in 0..ESTATES {
        let orders: Vec<OrderState> = (0..ORDERS_PER_ESTATE)
            .filter_map(|n| {
                let events = order_events(e, n, &mut rng);
                fold(events[0].order_id(), &events)
            })
            .collect();
        all_orders += orders.len();
        estates.push(estate(e, slice(&orders, offset)));
    }
    let mut compute = Vec::new();
    let mut xlsx = Vec::new();
    let mut bytes = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let board = dashboard::dashboard(ScopeKind::Company, "", "公司", &estates, month(), now());
        compute.push(started.elapsed().as_secs_f64() * 1000.0);
        let report = MonthlyReport {
            month: "2025-06".into(),
            due: NaiveDate::from_ymd_opt(2025, 7, 10).expect("due"),
            dashboard: board,
            notes: Vec::new(),
            special_reports: Vec::new(),
        };
        let started = Instant::now();
        bytes = anju_server::export::monthly_workbook(&report)
            .expect("xlsx")
            .len();
        xlsx.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let month_orders = estates.iter().map(|e| e.orders.len()).sum::<usize>();
    // The stored company has no households: its order figures are compared.
    for e in &mut estates {
        e.homes.clear();
    }
    let expected =
        dashboard::dashboard(ScopeKind::Company, "", "公司", &estates, month(), now()).total;
    drop(estates);
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let (sqlite_ms, sqlite_refresh) = store_run(&url, &expected).await;
    let (postgres_ms, postgres_refresh) = match fresh_postgres().await {
        Some((url, base)) => {
            let measured = store_run(&url, &expected).await;
            drop_database(&base, &url).await;
            (Some(measured.0), Some(measured.1))
        }
        None => (None, None),
    };
    println!(
        "{}",
        json!({
            "orders": all_orders,
            "estates": ESTATES,
            "month_orders": month_orders,
            "compute_ms": median(compute),
            "xlsx_ms": median(xlsx),
            "xlsx_bytes": bytes,
            "sqlite_ms": sqlite_ms,
            "sqlite_refresh_per_s": sqlite_refresh,
            "postgres_ms": postgres_ms,
            "postgres_refresh_per_s": postgres_refresh,
            "refresh_orders": REFRESH_ESTATES * ORDERS_PER_ESTATE,
            "runs": RUNS,
        })
    );
}

async fn drop_database(base: &str, url: &str) {
    use sqlx::Connection;
    let name = url.rsplit_once('/').expect("a database name").1;
    let mut conn = sqlx::PgConnection::connect(base).await.expect("postgres");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .expect("drop");
}
