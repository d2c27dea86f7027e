//! The manager's figures for `cargo xtask bench report`: prints one JSON line of medians.
//!
//! - `compute_ms`: the dashboard (every §6 measure, counts, open work, coverage, the orders
//!   to analyse) of a company of 200 estates and 1,000,000 orders over a year, for one month
//!   (what the server folds for it: that month's orders and those still open) — the figures
//!   of the KPI page and the monthly report, without storage.
//! - `xlsx_ms`: the company's monthly workbook from those figures.
//! - `sqlite_ms`: the same month through storage on SQLite for a smaller company (20 estates,
//!   100,000 orders, 4 events each): every estate's orders and events read and folded
//!   (`Db::estate_data`) and the dashboard computed; `sqlite_orders` says how many.

use std::time::Instant;

use anju_server::db::{Db, StoredEvent};
use anju_server::seed;
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
const DB_ESTATES: usize = 20;
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

async fn sqlite_run() -> (f64, usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let db = Db::connect(&url).await.expect("db");
    seed::seed_demo_if_empty(&db).await.expect("seed");
    let mut rng = Rng(7);
    let mut total = 0;
    for e in 0..DB_ESTATES {
        let id = format!("est-bench-{e}");
        sqlx::query(
            "INSERT INTO estates (id, company_id, region_id, slug, name, policy, utc_offset, seq) \
             VALUES ($1, 'co-anju', 'rg-south', $2, $3, 'cmsk', '+08:00', 0)",
        )
        .bind(id.clone())
        .bind(id.clone())
        .bind(format!("项目{e}"))
        .execute(&db.pool)
        .await
        .expect("estate");
        let mut tx = db.begin().await.expect("tx");
        let mut seq = 0i64;
        for n in 0..ORDERS_PER_ESTATE {
            let events = order_events(e, n, &mut rng);
            sqlx::query(
                "INSERT INTO orders (id, estate_id, reference, tracking_hash, reported_ms, contact_name, contact_phone, notice_version) \
                 VALUES ($1, $2, $3, $4, $5, '', '', '')",
            )
            .bind(events[0].order_id().to_string())
            .bind(id.clone())
            .bind(format!("ref-{n}"))
            .bind(format!("{}-{}", id, n))
            .bind(events[0].at.timestamp_millis())
            .execute(&mut *tx)
            .await
            .expect("order");
            for ev in &events {
                seq += 1;
                let row = StoredEvent::of(ev).expect("stored");
                sqlx::query(
                    "INSERT INTO events (estate_id, seq, id, order_id, subject_kind, subject_id, device_id, device_seq, hlc, actor, kind, at, body, received_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0)",
                )
                .bind(id.clone())
                .bind(seq)
                .bind(row.id)
                .bind(row.order_id)
                .bind(row.subject_kind)
                .bind(row.subject_id)
                .bind(row.device_id)
                .bind(row.device_seq)
                .bind(row.hlc)
                .bind(row.actor)
                .bind(row.kind)
                .bind(row.at)
                .bind(row.body)
                .execute(&mut *tx)
                .await
                .expect("event");
            }
            total += 1;
        }
        tx.commit().await.expect("commit");
    }
    let estates = db
        .estates_by_ids(
            &(0..DB_ESTATES)
                .map(|e| format!("est-bench-{e}"))
                .collect::<Vec<_>>(),
        )
        .await
        .expect("estates");
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut data = Vec::new();
        for e in &estates {
            data.push(db.estate_data(e, month().0, month().1).await.expect("data"));
        }
        let board = dashboard::dashboard(ScopeKind::Company, "", "公司", &data, month(), now());
        assert_eq!(board.estates.len(), DB_ESTATES);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    (median(times), total)
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
    let (sqlite_ms, sqlite_orders) = sqlite_run().await;
    println!(
        "{}",
        json!({
            "orders": all_orders,
            "estates": ESTATES,
            "month_orders": estates.iter().map(|e| e.orders.len()).sum::<usize>(),
            "compute_ms": median(compute),
            "xlsx_ms": median(xlsx),
            "xlsx_bytes": bytes,
            "sqlite_ms": sqlite_ms,
            "sqlite_orders": sqlite_orders,
            "sqlite_estates": DB_ESTATES,
            "runs": RUNS,
        })
    );
}
