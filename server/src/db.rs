//! Storage: one `Db` over SQLite (embedded default, WAL, `synchronous=FULL`) or PostgreSQL,
//! chosen by the URL. The SQL is written once in the portable subset (TEXT, BIGINT, `$n`
//! parameters, `RETURNING`); each backend keeps its own migrations.

use std::path::Path;

use anyhow::{Context, bail};
use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{Any, Row, Transaction};

use std::collections::{HashMap, HashSet};

use anju_shared::arrival;
use anju_shared::model::{Escalation, Role};
use anju_shared::order::{Event, EventBody};
use anju_shared::subject::{Subject, SubjectKind};
use anju_shared::sync::{OrderReference, Outcome};
use anju_shared::wire::AttachedPhoto;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

pub use anju_shared::order::OrderRecord;
pub use anju_shared::site::{Building, EstateInfo as Estate, Unit};

/// A staff member as login and the extractors see them.
#[derive(Debug, Clone)]
pub struct StaffRow {
    pub id: String,
    pub company_id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
}

/// What a new report stores besides its first event.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub id: String,
    pub estate_id: String,
    pub tracking_hash: String,
    pub reported_ms: i64,
    pub contact_name: String,
    pub contact_phone: String,
    pub notice_version: String,
}

/// `sqlite://data/anju.db` → the file path, so its folder can be created first.
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

impl Db {
    /// Connects, creating the SQLite file and its folder when missing, and migrates.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        Db::connect_migrated_to(url, None).await
    }

    /// Connects and migrates up to and including migration `target` (every one when `None`):
    /// the migration tests build a database as an older version left it.
    pub async fn connect_migrated_to(url: &str, target: Option<i64>) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            bail!("DATABASE_URL: expected sqlite://… or postgres://…");
        };
        let mut url = url.to_string();
        if backend == Backend::Sqlite {
            if let Some(dir) = sqlite_path(&url)
                .and_then(|path| Path::new(path).parent())
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the folder {}", dir.display()))?;
            }
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets the desk read while a tablet writes; FULL makes an
                        // acknowledged event survive a power cut, not just a crash.
                        for pragma in [
                            "PRAGMA journal_mode=WAL",
                            "PRAGMA synchronous=FULL",
                            "PRAGMA foreign_keys=ON",
                            "PRAGMA busy_timeout=10000",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .context("connecting to the database")?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        match target {
            None => migrator.run(&pool).await,
            Some(target) => migrator.run_to(target, &pool).await,
        }
        .context("migrating the database")?;
        Ok(Db { pool, backend })
    }

    /// Begins a transaction that may write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes fails with
    /// SQLITE_BUSY at once, without waiting out `busy_timeout`, when another connection
    /// committed in between, so under a busy desk an erasure or a push could be refused
    /// for nothing. Taken up front, the lock is waited for like any other.
    pub async fn begin(&self) -> sqlx::Result<Transaction<'static, Any>> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    pub async fn is_empty(&self) -> sqlx::Result<bool> {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM companies")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        Ok(n == 0)
    }

    pub async fn estate_by_slug(&self, slug: &str) -> sqlx::Result<Option<Estate>> {
        let row = sqlx::query(
            "SELECT id, company_id, slug, name, policy, utc_offset, policy_override, calendar FROM estates WHERE slug = $1",
        )
        .bind(slug.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| estate_from_row(&r)).transpose()
    }

    pub async fn estates_by_ids(&self, ids: &[String]) -> sqlx::Result<Vec<Estate>> {
        let mut out = Vec::new();
        for id in ids {
            let row = sqlx::query(
                "SELECT id, company_id, slug, name, policy, utc_offset, policy_override, calendar FROM estates WHERE id = $1",
            )
            .bind(id.clone())
            .fetch_optional(&self.pool)
            .await?;
            if let Some(r) = row {
                out.push(estate_from_row(&r)?);
            }
        }
        Ok(out)
    }

    /// The estate's buildings with their units, in number order.
    pub async fn site(&self, estate_id: &str) -> sqlx::Result<Vec<Building>> {
        let rows = sqlx::query(
            "SELECT id, number, name, floors, footprint FROM buildings WHERE estate_id = $1 ORDER BY number",
        )
        .bind(estate_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut buildings = Vec::with_capacity(rows.len());
        for r in rows {
            let footprint: String = r.try_get("footprint")?;
            buildings.push(Building {
                id: r.try_get("id")?,
                number: r.try_get("number")?,
                name: r.try_get("name")?,
                floors: r.try_get("floors")?,
                footprint: serde_json::from_str(&footprint).unwrap_or_default(),
                units: Vec::new(),
            });
        }
        let units = sqlx::query(
            "SELECT u.id, u.building_id, u.number FROM units u JOIN buildings b ON b.id = u.building_id \
             WHERE b.estate_id = $1 ORDER BY u.number",
        )
        .bind(estate_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        for r in units {
            let building_id: String = r.try_get("building_id")?;
            let number: i64 = r.try_get("number")?;
            if let Some(b) = buildings.iter_mut().find(|b| b.id == building_id) {
                b.units.push(Unit {
                    id: r.try_get("id")?,
                    number,
                    name: format!("{number}单元"),
                });
            }
        }
        Ok(buildings)
    }

    /// Whether a room exists in a unit (a report may name none: a public area).
    /// The rooms of a unit of an estate, floor by floor; empty when the unit is not the
    /// estate's.
    pub async fn rooms_of_unit(&self, estate_id: &str, unit_id: &str) -> sqlx::Result<Vec<String>> {
        sqlx::query(
            "SELECT h.room FROM households h JOIN units u ON u.id = h.unit_id \
             JOIN buildings b ON b.id = u.building_id WHERE b.estate_id = $1 AND u.id = $2 \
             ORDER BY h.floor, h.room",
        )
        .bind(estate_id.to_string())
        .bind(unit_id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect()
    }

    pub async fn room_exists(&self, unit_id: &str, room: &str) -> sqlx::Result<bool> {
        let n: i64 =
            sqlx::query("SELECT COUNT(*) FROM households WHERE unit_id = $1 AND room = $2")
                .bind(unit_id.to_string())
                .bind(room.to_string())
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
        Ok(n > 0)
    }

    pub async fn staff_by_username(&self, username: &str) -> sqlx::Result<Option<StaffRow>> {
        let row = sqlx::query(
            "SELECT id, company_id, username, display_name, role, password_hash, disabled \
             FROM staff WHERE username = $1",
        )
        .bind(username.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| staff_from_row(&r)).transpose()
    }

    /// The estates a staff member may see: those given to them, every estate of the regions
    /// given to them, or — for a company-level role — every estate of their company; never
    /// one of another company, whatever the tables say.
    pub async fn staff_estate_ids(
        &self,
        staff_id: &str,
        company_id: &str,
        role: Role,
    ) -> sqlx::Result<Vec<String>> {
        // Regions count only for a role that answers for them: a region row left on another
        // role (an old assignment, a race between two admins) opens nothing.
        let rows = sqlx::query(
            "SELECT e.id FROM estates e WHERE e.company_id = $2 AND ( \
                e.id IN (SELECT estate_id FROM staff_estates WHERE staff_id = $1) \
                OR ($4 = 1 AND e.region_id IN (SELECT region_id FROM staff_regions WHERE staff_id = $1)) \
                OR $3 = 1) \
             ORDER BY e.id",
        )
        .bind(staff_id.to_string())
        .bind(company_id.to_string())
        .bind(i64::from(role.company_wide()))
        .bind(i64::from(role.answers_for_regions()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| r.try_get(0)).collect()
    }

    /// Every (staff id, estate id) given in `staff_estates` to a staff member of the company,
    /// for the admin's list: what is assigned, not what is visible through regions or role.
    pub async fn given_estates_of_company(
        &self,
        company_id: &str,
    ) -> sqlx::Result<Vec<(String, String)>> {
        self.pairs(
            "SELECT se.staff_id, se.estate_id FROM staff_estates se \
             JOIN staff s ON s.id = se.staff_id JOIN estates e ON e.id = se.estate_id \
             WHERE s.company_id = $1 AND e.company_id = $1 ORDER BY se.staff_id, se.estate_id",
            company_id,
        )
        .await
    }

    /// Every (staff id, region id) of `staff_regions` for a staff member of the company.
    pub async fn regions_of_company_staff(
        &self,
        company_id: &str,
    ) -> sqlx::Result<Vec<(String, String)>> {
        self.pairs(
            "SELECT sr.staff_id, sr.region_id FROM staff_regions sr \
             JOIN staff s ON s.id = sr.staff_id JOIN regions r ON r.id = sr.region_id \
             WHERE s.company_id = $1 AND r.company_id = $1 ORDER BY sr.staff_id, sr.region_id",
            company_id,
        )
        .await
    }

    /// The two text columns of a query over one company (`$1`), as pairs.
    async fn pairs(
        &self,
        sql: &'static str,
        company_id: &str,
    ) -> sqlx::Result<Vec<(String, String)>> {
        let rows = sqlx::query(sql)
            .bind(company_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The company's regions as (id, name), by name.
    pub async fn company_regions(&self, company_id: &str) -> sqlx::Result<Vec<(String, String)>> {
        self.pairs(
            "SELECT id, name FROM regions WHERE company_id = $1 ORDER BY name, id",
            company_id,
        )
        .await
    }

    /// The company's estates as (id, name, region id, region name), by region then name.
    pub async fn company_estates(
        &self,
        company_id: &str,
    ) -> sqlx::Result<Vec<(String, String, String, String)>> {
        let rows = sqlx::query(
            "SELECT e.id, e.name, r.id, r.name FROM estates e JOIN regions r ON r.id = e.region_id \
             WHERE e.company_id = $1 ORDER BY r.name, e.name, e.id",
        )
        .bind(company_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }

    /// Sets a staff member's role; a role without regions also loses their regions, in the
    /// same transaction, so they never keep seeing a region's estates under their new role.
    pub async fn set_staff_role(
        &self,
        staff_id: &str,
        role: &str,
        keeps_regions: bool,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE staff SET role = $1 WHERE id = $2")
            .bind(role.to_string())
            .bind(staff_id.to_string())
            .execute(&mut *tx)
            .await?;
        if !keeps_regions {
            sqlx::query("DELETE FROM staff_regions WHERE staff_id = $1")
                .bind(staff_id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        staff_id: &str,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, staff_id, created_ms, seen_ms) VALUES ($1, $2, $3, $3)",
        )
        .bind(token_hash.to_string())
        .bind(staff_id.to_string())
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The staff member behind a live session, touching its idle timer. Sessions idle longer
    /// than `idle_ms` or older than `absolute_ms` are deleted and count as none.
    pub async fn session_staff(
        &self,
        token_hash: &str,
        now_ms: i64,
        idle_ms: i64,
        absolute_ms: i64,
    ) -> sqlx::Result<Option<StaffRow>> {
        let row = sqlx::query(
            "SELECT s.created_ms, s.seen_ms, t.id, t.company_id, t.username, t.display_name, t.role, \
             t.password_hash, t.disabled FROM sessions s JOIN staff t ON t.id = s.staff_id \
             WHERE s.token_hash = $1",
        )
        .bind(token_hash.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let created: i64 = row.try_get("created_ms")?;
        let seen: i64 = row.try_get("seen_ms")?;
        let staff = staff_from_row(&row)?;
        if staff.disabled || now_ms - seen > idle_ms || now_ms - created > absolute_ms {
            self.delete_session(token_hash).await?;
            return Ok(None);
        }
        // Touch at most once a minute: a busy desk polls often and writes are not free.
        if now_ms - seen > 60_000 {
            sqlx::query("UPDATE sessions SET seen_ms = $1 WHERE token_hash = $2")
                .bind(now_ms)
                .bind(token_hash.to_string())
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(staff))
    }

    /// Ends every session of a staff member (account disabled, password reset).
    pub async fn end_sessions(&self, staff_id: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE staff_id = $1")
            .bind(staff_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a new order and its first events in one transaction. The estate's sequence is
    /// taken first (a write, so SQLite takes its write lock at once and PostgreSQL locks the
    /// estate's row until commit): sequence numbers are gap-free in commit order.
    /// Returns the order's reference number.
    pub async fn insert_order(&self, order: &NewOrder, events: &[Event]) -> sqlx::Result<String> {
        let mut tx = self.begin().await?;
        let count = i64::try_from(events.len().max(1)).unwrap_or(1);
        let last: i64 =
            sqlx::query("UPDATE estates SET seq = seq + $1 WHERE id = $2 RETURNING seq")
                .bind(count)
                .bind(order.estate_id.clone())
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
        let first = last - count + 1;
        let reported_at = events
            .first()
            .map(|e| e.at)
            .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
        let reference = next_reference(&mut tx, &order.estate_id, &reported_at).await?;
        insert_order_row(&mut tx, &order.estate_id, order, &reference).await?;
        for (i, e) in events.iter().enumerate() {
            insert_event(&mut tx, &order.estate_id, first + i as i64, e).await?;
        }
        tx.commit().await?;
        Ok(reference)
    }

    /// Stores generated history (the demo's year, `demo.rs`) in one transaction: the orders
    /// with their reference numbers in the order they were reported, and every event in time
    /// order under the estate's next sequence numbers. Returns how many events it stored.
    pub async fn insert_history(
        &self,
        estate_id: &str,
        history: crate::demo::History,
    ) -> sqlx::Result<usize> {
        let crate::demo::History { mut orders, visits } = history;
        orders.sort_by_key(|(o, _)| o.reported_ms);
        let mut events: Vec<Event> = orders
            .iter()
            .flat_map(|(_, e)| e.iter().cloned())
            .chain(visits)
            .collect();
        events.sort_by(|a, b| a.hlc.cmp(&b.hlc).then_with(|| a.id.cmp(&b.id)));
        let mut tx = self.begin().await?;
        let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
        let last: i64 =
            sqlx::query("UPDATE estates SET seq = seq + $1 WHERE id = $2 RETURNING seq")
                .bind(count)
                .bind(estate_id.to_string())
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
        let first = last - count + 1;
        for (order, order_events) in &orders {
            let Some(reported) = order_events.first() else {
                continue;
            };
            let reference = next_reference(&mut tx, estate_id, &reported.at).await?;
            insert_order_row(&mut tx, estate_id, order, &reference).await?;
        }
        for (i, e) in events.iter().enumerate() {
            insert_event(&mut tx, estate_id, first + i as i64, e).await?;
        }
        tx.commit().await?;
        Ok(events.len())
    }

    /// The desk's inbox of an estate: every order that may still be open, however old (no
    /// `closed` event, or a `reopened` one — the desk's fold decides), and the newest
    /// `recent` orders whatever their state; at most `cap`, open ones kept first; newest
    /// first. Open work never drops out of sight because newer reports arrived: an overdue
    /// order is the one a supervisor must see.
    pub async fn orders_with_events(
        &self,
        estate_id: &str,
        recent: i64,
        cap: i64,
    ) -> sqlx::Result<Vec<OrderRecord>> {
        // One statement, so the orders and their events come from one snapshot (an order
        // closed between two reads would otherwise be listed without events). Ties in report
        // time are broken by id, so the limits pick the same rows on every backend. Every
        // order has at least its `reported` event (stored in the transaction that made it).
        let rows = sqlx::query(
            "SELECT o.reference AS o_reference, o.estate_id AS o_estate_id, e.estate_id, \
                    e.seq, e.id, e.order_id, e.subject_kind, e.subject_id, e.device_id, e.device_seq, e.hlc, e.actor, e.kind, e.at, e.body \
             FROM orders o JOIN events e ON e.order_id = o.id \
             WHERE o.id IN ( \
               SELECT i.id FROM orders i WHERE i.estate_id = $1 AND ( \
                 i.id IN (SELECT r.id FROM orders r WHERE r.estate_id = $2 \
                          ORDER BY r.reported_ms DESC, r.id DESC LIMIT $3) \
                 OR NOT EXISTS (SELECT 1 FROM events c WHERE c.order_id = i.id AND c.kind = 'closed') \
                 OR EXISTS (SELECT 1 FROM events c WHERE c.order_id = i.id AND c.kind = 'reopened')) \
               ORDER BY CASE WHEN NOT EXISTS (SELECT 1 FROM events c WHERE c.order_id = i.id AND c.kind = 'closed') \
                               OR EXISTS (SELECT 1 FROM events c WHERE c.order_id = i.id AND c.kind = 'reopened') \
                             THEN 0 ELSE 1 END, \
                        i.reported_ms DESC, i.id DESC LIMIT $4) \
             ORDER BY o.reported_ms DESC, o.id DESC, e.seq",
        )
        .bind(estate_id.to_string())
        .bind(estate_id.to_string())
        .bind(recent)
        .bind(cap)
        .fetch_all(&self.pool)
        .await?;
        let mut orders: Vec<OrderRecord> = Vec::new();
        for r in rows {
            let Some(event) = readable_event(&r)? else {
                continue;
            };
            // Rows come grouped by order, newest order first.
            if orders.last().is_none_or(|o| o.id != event.order_id()) {
                orders.push(OrderRecord {
                    id: event.order_id().to_string(),
                    estate_id: r.try_get("o_estate_id")?,
                    reference: r.try_get("o_reference")?,
                    events: Vec::new(),
                });
            }
            if let Some(order) = orders.last_mut() {
                order.events.push(event);
            }
        }
        Ok(orders)
    }

    /// The number of stored events of an estate, and its sequence counter (equal when no
    /// sequence number was skipped).
    pub async fn event_count(&self, estate_id: &str) -> sqlx::Result<(i64, i64)> {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM events WHERE estate_id = $1")
            .bind(estate_id.to_string())
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let seq: i64 = sqlx::query("SELECT seq FROM estates WHERE id = $1")
            .bind(estate_id.to_string())
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        Ok((n, seq))
    }
}

/// A household as staff screens list it (no personal data).
#[derive(Debug, Clone, serde::Serialize)]
pub struct HouseholdRow {
    pub id: String,
    pub unit_id: String,
    pub floor: i64,
    pub room: String,
    pub important: bool,
    /// A new resident's move-in day, `YYYY-MM-DD` (V-2), when the desk entered it.
    pub moved_in: Option<String>,
}

/// One pushed event and what the server's rules said of it before storage.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub event: Event,
    /// Set when a rule refused the event; it is then kept for review, not applied.
    pub refusal: Option<arrival::Refusal>,
}

impl Db {
    /// The estate's households as staff screens list them, in walking order (one query with
    /// the visit plans' read, `store::plans`).
    pub async fn households(&self, estate_id: &str) -> sqlx::Result<Vec<HouseholdRow>> {
        Ok(self
            .plan_homes(estate_id)
            .await?
            .into_iter()
            .map(|h| HouseholdRow {
                id: h.id,
                unit_id: h.unit_id,
                floor: h.floor,
                room: h.room,
                important: h.important,
                moved_in: h.moved_in.map(|d| d.format("%Y-%m-%d").to_string()),
            })
            .collect())
    }

    pub async fn household_in_estate(
        &self,
        household_id: &str,
        estate_id: &str,
    ) -> sqlx::Result<bool> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM households h JOIN units u ON u.id = h.unit_id \
             JOIN buildings b ON b.id = u.building_id WHERE h.id = $1 AND b.estate_id = $2",
        )
        .bind(household_id.to_string())
        .bind(estate_id.to_string())
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        Ok(n > 0)
    }

    /// The photos a resident attached to their report of an order (the public form records
    /// each as a `photo` event of the resident's), with what the estate still stores of each.
    pub async fn photos_attached_by_resident(
        &self,
        estate_id: &str,
        order_id: &str,
    ) -> sqlx::Result<Vec<AttachedPhoto>> {
        let mut conn = self.pool.acquire().await?;
        let mut out = Vec::new();
        for hash in resident_photo_hashes(&mut conn, order_id).await? {
            let stored = crate::store::photos::stored_hash(&mut conn, estate_id, &hash).await?;
            let row = sqlx::query(
                "SELECT mime, CAST(LENGTH(bytes) AS BIGINT) FROM photos WHERE hash = $1 AND estate_id = $2",
            )
            .bind(stored.unwrap_or_else(|| hash.clone()))
            .bind(estate_id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
            out.push(AttachedPhoto {
                hash,
                mime: row.as_ref().map(|r| r.try_get(0)).transpose()?,
                size: row.as_ref().map(|r| r.try_get(1)).transpose()?,
            });
        }
        Ok(out)
    }

    /// Erases a resident's personal data in a company (PIPL), in one transaction: their
    /// household register entries, the contact kept with their orders, their words and
    /// whereabouts in each order's report, and the photos they attached to those reports;
    /// then records an `erased` event on each order, under the estate's sequence like any
    /// event, so every tablet redacts its copy at its next sync.
    pub async fn erase_resident(
        &self,
        company_id: &str,
        phone: &str,
        actor: &str,
        now: chrono::DateTime<chrono::FixedOffset>,
    ) -> sqlx::Result<Erasure> {
        let mut tx = self.begin().await?;
        // The households they were registered in: the notes of visits there are theirs too.
        let households: Vec<(String, String)> = sqlx::query(
            "SELECT DISTINCT h.id, b.estate_id FROM residents r JOIN households h ON h.id = r.household_id \
             JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = u.building_id \
             JOIN estates e ON e.id = b.estate_id \
             WHERE r.phone = $1 AND e.company_id = $2 ORDER BY b.estate_id, h.id",
        )
        .bind(phone.to_string())
        .bind(company_id.to_string())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<sqlx::Result<_>>()?;
        sqlx::query(
            "DELETE FROM residents WHERE phone = $1 AND household_id IN ( \
               SELECT h.id FROM households h JOIN units u ON u.id = h.unit_id \
               JOIN buildings b ON b.id = u.building_id JOIN estates e ON e.id = b.estate_id \
               WHERE e.company_id = $2)",
        )
        .bind(phone.to_string())
        .bind(company_id.to_string())
        .execute(&mut *tx)
        .await?;
        let orders: Vec<(String, String)> = sqlx::query(
            "SELECT o.id, o.estate_id FROM orders o JOIN estates e ON e.id = o.estate_id \
             WHERE o.contact_phone = $1 AND e.company_id = $2 ORDER BY o.estate_id, o.id",
        )
        .bind(phone.to_string())
        .bind(company_id.to_string())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<sqlx::Result<_>>()?;
        let mut clock = anju_shared::hlc::Clock::default();
        let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        for (order_id, estate_id) in &orders {
            // The kept folded state holds the resident's words too: dropped now, folded again
            // from the redacted events by the refresher or the next reader.
            sqlx::query(
                "UPDATE orders SET contact_name = '', contact_phone = '', folded = NULL, \
                 folded_touches = -1, is_open = 1 WHERE id = $1",
            )
            .bind(order_id.clone())
            .execute(&mut *tx)
            .await?;
            // The resident's words and whereabouts, their rating's comment and the name
            // given for a confirmation by phone.
            let rows = sqlx::query(
                "SELECT id, body FROM events WHERE order_id = $1 AND kind IN ('reported', 'rated', 'confirmed')",
            )
            .bind(order_id.clone())
            .fetch_all(&mut *tx)
            .await?;
            for row in rows {
                let id: String = row.try_get(0)?;
                let body: String = row.try_get(1)?;
                if let Ok(mut body) = serde_json::from_str::<EventBody>(&body)
                    && anju_shared::order::redact_body(&mut body)
                {
                    let body = serde_json::to_string(&body)
                        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
                    sqlx::query("UPDATE events SET body = $1 WHERE id = $2")
                        .bind(body)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            // Taken like a push's: the estate row locked, the next number in commit order.
            let seq: i64 =
                sqlx::query("UPDATE estates SET seq = seq + 1 WHERE id = $1 RETURNING seq")
                    .bind(estate_id.clone())
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
            let event = Event {
                id: format!("erased-{order_id}"),
                subject: Subject::order(order_id.clone()),
                // The server's own "device" per estate, keyed by the estate's sequence: no
                // tablet uses either, so the key is never taken.
                device_id: format!("server:{estate_id}"),
                device_seq: u64::try_from(seq).unwrap_or(0),
                hlc: clock.tick(now_ms),
                actor: actor.to_string(),
                at: now,
                body: EventBody::Erased,
                seq: None,
            };
            insert_event(&mut tx, estate_id, seq, &event).await?;
        }
        for (household_id, estate_id) in &households {
            let rows = sqlx::query(
                "SELECT id, body FROM events WHERE estate_id = $1 AND subject_kind = 'household' \
                 AND subject_id = $2 AND kind = 'visited'",
            )
            .bind(estate_id.clone())
            .bind(household_id.clone())
            .fetch_all(&mut *tx)
            .await?;
            for row in rows {
                let id: String = row.try_get(0)?;
                let body: String = row.try_get(1)?;
                if let Ok(EventBody::Visited {
                    household_id,
                    method,
                    note,
                    not_home,
                }) = serde_json::from_str(&body)
                    && !note.is_empty()
                {
                    let body = serde_json::to_string(&EventBody::Visited {
                        household_id,
                        method,
                        note: anju_shared::order::ERASED.to_string(),
                        not_home,
                    })
                    .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
                    sqlx::query("UPDATE events SET body = $1 WHERE id = $2")
                        .bind(body)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let seq: i64 =
                sqlx::query("UPDATE estates SET seq = seq + 1 WHERE id = $1 RETURNING seq")
                    .bind(estate_id.clone())
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
            let event = Event {
                id: format!("erased-{}", uuid::Uuid::now_v7()),
                subject: Subject::household(household_id.clone()),
                device_id: format!("server:{estate_id}"),
                device_seq: u64::try_from(seq).unwrap_or(0),
                hlc: clock.tick(now_ms),
                actor: actor.to_string(),
                at: now,
                body: EventBody::Erased,
                seq: None,
            };
            insert_event(&mut tx, estate_id, seq, &event).await?;
        }
        // A special report of an erased order keeps what the company learnt (cause,
        // responsibility, measures), not the resident's story nor who was involved.
        for (order_id, _) in &orders {
            sqlx::query(
                "UPDATE special_reports SET description = $1, people = $1 WHERE order_id = $2",
            )
            .bind(anju_shared::order::ERASED.to_string())
            .bind(order_id.clone())
            .execute(&mut *tx)
            .await?;
        }
        let photos = erase_resident_photos(&mut tx, &orders).await?;
        tx.commit().await?;
        Ok(Erasure {
            orders: orders.into_iter().map(|(id, _)| id).collect(),
            households: households.into_iter().map(|(id, _)| id).collect(),
            photos,
        })
    }

    /// Records an event the server makes for someone without a device (a resident's rating
    /// from the tracking page) on an order, under the estate's sequence like any event, once:
    /// its id is derived from the order and the kind, so a second one stores nothing and
    /// answers `false`.
    pub async fn record_once(
        &self,
        estate_id: &str,
        order_id: &str,
        actor: &str,
        body: EventBody,
        now: chrono::DateTime<chrono::FixedOffset>,
    ) -> sqlx::Result<bool> {
        let id = format!("{}-{order_id}", body.kind());
        let mut tx = self.begin().await?;
        // The estate's row first, as a push does: the sequence stays gap-free in commit order.
        let seq: i64 = sqlx::query("UPDATE estates SET seq = seq + 1 WHERE id = $1 RETURNING seq")
            .bind(estate_id.to_string())
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let taken = sqlx::query("SELECT 1 FROM events WHERE id = $1")
            .bind(id.clone())
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if taken {
            tx.rollback().await?;
            return Ok(false);
        }
        let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        let event = Event {
            id,
            subject: anju_shared::subject::Subject::order(order_id),
            device_id: format!("server:{estate_id}"),
            device_seq: u64::try_from(seq).unwrap_or(0),
            hlc: anju_shared::hlc::Clock::default().tick(now_ms),
            actor: actor.to_string(),
            at: now,
            body,
            seq: None,
        };
        insert_event(&mut tx, estate_id, seq, &event).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Stores an estate's rules as its manager set them (already validated).
    pub async fn set_estate_rules(&self, estate: &Estate) -> sqlx::Result<()> {
        let calendar = estate
            .calendar
            .as_ref()
            .and_then(|c| serde_json::to_string(c).ok())
            .unwrap_or_default();
        sqlx::query(
            "UPDATE estates SET policy = $1, policy_override = $2, calendar = $3 WHERE id = $4",
        )
        .bind(estate.policy.clone())
        .bind(estate.policy_override.to_string())
        .bind(calendar)
        .bind(estate.id.clone())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores a device's pushed events in one transaction and says what became of each.
    ///
    /// The estate's row is locked first (an UPDATE: SQLite takes its write lock, PostgreSQL
    /// locks the row until commit), so concurrent pushes to one estate — from any number of
    /// server instances — take their sequence numbers one transaction after another: the
    /// sequence is gap-free in commit order and a pull cursor never skips a late commit.
    ///
    /// An event seen before (the same id under the same device and device_seq) is answered
    /// with its first outcome and changes nothing. A stored event owns its key and its id:
    /// another event under either is refused and kept, not taken for a duplicate — the
    /// device would drop it from its outbox — nor left to a UNIQUE constraint, which would
    /// fail the whole push again on every retry. Lookups are done per batch, not per event,
    /// so a push of a thousand events costs about a thousand inserts and little else.
    pub async fn sync_push(
        &self,
        estate_id: &str,
        staff_id: &str,
        pushed: &[Pushed],
        contacts: &HashMap<String, Contact>,
        now_ms: i64,
    ) -> sqlx::Result<Vec<Outcome>> {
        let mut tx = self.begin().await?;
        let base: i64 = sqlx::query("UPDATE estates SET seq = seq WHERE id = $1 RETURNING seq")
            .bind(estate_id.to_string())
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        // Stored events by key (their id and seq) and the ids stored under any key. A key is
        // the pushing staff member's (device_id, device_seq) in this estate: a colleague who
        // pushes under another tablet's device id takes none of that tablet's keys.
        let mut stored: HashMap<(String, i64), (String, i64)> = HashMap::new();
        let mut stored_ids: HashSet<String> = HashSet::new();
        // Refused events by (id, key): the reason they were given.
        let mut refused: HashMap<(String, String, i64), String> = HashMap::new();
        let mut devices: Vec<&str> = pushed.iter().map(|p| p.event.device_id.as_str()).collect();
        devices.sort_unstable();
        devices.dedup();
        for device in devices {
            let seqs = pushed
                .iter()
                .filter(|p| p.event.device_id == device)
                .map(|p| i64::try_from(p.event.device_seq).unwrap_or(i64::MAX));
            let (lo, hi) = seqs.fold((i64::MAX, i64::MIN), |(lo, hi), s| (lo.min(s), hi.max(s)));
            for row in sqlx::query(
                "SELECT device_seq, id, seq FROM events WHERE estate_id = $1 AND device_id = $2 \
                 AND actor = $3 AND device_seq >= $4 AND device_seq <= $5",
            )
            .bind(estate_id.to_string())
            .bind(device.to_string())
            .bind(staff_id.to_string())
            .bind(lo)
            .bind(hi)
            .fetch_all(&mut *tx)
            .await?
            {
                let id: String = row.try_get(1)?;
                stored_ids.insert(id.clone());
                stored.insert((device.to_string(), row.try_get(0)?), (id, row.try_get(2)?));
            }
            for row in sqlx::query(
                "SELECT device_seq, id, reason FROM rejected_events WHERE device_id = $1 AND device_seq >= $2 AND device_seq <= $3",
            )
            .bind(device.to_string())
            .bind(lo)
            .bind(hi)
            .fetch_all(&mut *tx)
            .await?
            {
                refused.insert(
                    (row.try_get(1)?, device.to_string(), row.try_get(0)?),
                    row.try_get(2)?,
                );
            }
        }
        // Ids of this batch stored before under another key; chunked to stay far below
        // either backend's limit on bound parameters.
        let ids: Vec<String> = pushed.iter().map(|p| p.event.id.clone()).collect();
        stored_ids.extend(
            existing(
                &mut tx,
                "SELECT id FROM events WHERE id IN ({})",
                None,
                &ids,
            )
            .await?,
        );
        // The estate each order belongs to, looked up once per order.
        let mut owners: HashMap<String, Option<String>> = HashMap::new();
        let mut touched: HashSet<String> = HashSet::new();
        let mut seq = base;
        let mut outcomes = Vec::with_capacity(pushed.len());
        for p in pushed {
            let e = &p.event;
            let device_seq = i64::try_from(e.device_seq).unwrap_or(i64::MAX);
            let key = (e.device_id.clone(), device_seq);
            match stored.get(&key) {
                Some((id, seq)) if *id == e.id => {
                    outcomes.push(Outcome::Duplicate { seq: *seq });
                    continue;
                }
                _ => {}
            }
            let seen = (e.id.clone(), e.device_id.clone(), device_seq);
            if let Some(reason) = refused.get(&seen) {
                outcomes.push(Outcome::Rejected {
                    reason: reason.clone(),
                    reason_zh: String::new(),
                });
                continue;
            }
            let mut refusal = if stored.contains_key(&key) {
                Some(arrival::Refusal::new(
                    "device_seq",
                    "already used by another event",
                    "已被另一条记录使用",
                ))
            } else if stored_ids.contains(&e.id) {
                Some(arrival::Refusal::new(
                    "id",
                    "already used by another event",
                    "已被另一条记录使用",
                ))
            } else {
                p.refusal.clone()
            };
            if refusal.is_none() && !e.order_id().is_empty() {
                let owner = order_owner(&mut tx, &mut owners, e.order_id()).await?;
                refusal = arrival::order_refusal(estate_id, e, owner.as_deref());
                // Taking an order: only a free one or one already given to the taker, and only
                // before its work is done; completing one: a special service only with its
                // quote agreed. The order as stored now decides, this push's earlier events
                // included.
                if refusal.is_none() && matches!(e.body, EventBody::Accepted | EventBody::Completed)
                {
                    let rows = sqlx::query(
                        "SELECT estate_id, seq, id, order_id, subject_kind, subject_id, device_id, device_seq, hlc, actor, kind, at, body FROM events \
                         WHERE estate_id = $1 AND order_id = $2 ORDER BY seq",
                    )
                    .bind(estate_id.to_string())
                    .bind(e.order_id().to_string())
                    .fetch_all(&mut *tx)
                    .await?;
                    let mut events = Vec::with_capacity(rows.len());
                    for r in &rows {
                        events.extend(readable_event(r)?);
                    }
                    if let Some(state) = anju_shared::order::fold(e.order_id(), &events) {
                        refusal = if matches!(e.body, EventBody::Accepted) {
                            arrival::accept_refusal(&state, staff_id)
                        } else {
                            arrival::complete_refusal(&state)
                        };
                    }
                }
            }
            // A patrol finding raised as an order names one of this estate's orders (stored, or
            // reported earlier in this push: the tablet records the report first), never an
            // order of another estate nor one that does not exist.
            if refusal.is_none()
                && let EventBody::Round(anju_shared::patrol::RoundStep::Raised { order_id, .. }) =
                    &e.body
                && order_owner(&mut tx, &mut owners, order_id)
                    .await?
                    .as_deref()
                    != Some(estate_id)
            {
                refusal = Some(arrival::Refusal::new(
                    "order_id",
                    "names no order of this estate",
                    "不是本小区的工单",
                ));
            }
            let row = if refusal.is_none() {
                StoredEvent::checked(e)
            } else {
                None
            };
            if refusal.is_none() && row.is_none() {
                refusal = Some(arrival::Refusal::new(
                    "at",
                    "cannot be stored as it was sent",
                    "无法按原样保存",
                ));
            }
            if let Some(refusal) = refusal {
                let reason = refusal.to_string();
                sqlx::query(
                    "INSERT INTO rejected_events (estate_id, id, device_id, device_seq, staff_id, event, reason, received_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(estate_id.to_string())
                .bind(e.id.clone())
                .bind(e.device_id.clone())
                .bind(device_seq)
                .bind(staff_id.to_string())
                .bind(review_copy(e))
                .bind(reason.clone())
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                refused.insert(seen, reason.clone());
                outcomes.push(Outcome::Rejected {
                    reason,
                    reason_zh: refusal.message(anju_shared::lang::Lang::Zh),
                });
                continue;
            }
            seq += 1;
            if let EventBody::Reported(_) = e.body {
                let reference = next_reference(&mut tx, estate_id, &e.at).await?;
                // The full number of a staff-made report is kept with the order, apart from
                // the synced log, where reveal and erasure find it.
                let contact = contacts.get(e.order_id());
                sqlx::query(
                    "INSERT INTO orders (id, estate_id, reference, tracking_hash, reported_ms, contact_name, \
                     contact_phone, notice_version) VALUES ($1, $2, $3, $4, $5, $6, $7, '')",
                )
                .bind(e.order_id().to_string())
                .bind(estate_id.to_string())
                .bind(reference)
                // No resident holds a tracking link for a staff-recorded order.
                .bind(format!("staff:{}", e.order_id()))
                .bind(e.at.timestamp_millis())
                .bind(contact.map(|c| c.name.clone()).unwrap_or_default())
                .bind(
                    contact
                        .and_then(|c| anju_shared::report::normalize_phone(&c.phone))
                        .unwrap_or_default(),
                )
                .execute(&mut *tx)
                .await?;
                owners.insert(e.order_id().to_string(), Some(estate_id.to_string()));
            }
            let Some(row) = row else { continue };
            if !row.order_id.is_empty() {
                touched.insert(row.order_id.clone());
            }
            insert_row_only(&mut tx, estate_id, seq, row).await?;
            // The same event twice in one push is stored once.
            stored.insert(key, (e.id.clone(), seq));
            stored_ids.insert(e.id.clone());
            outcomes.push(Outcome::Stored { seq });
        }
        // The orders this push stored events of: their kept states are stale, marked once.
        let touched: Vec<String> = touched.into_iter().collect();
        crate::store::folded::touch(&mut tx, &touched).await?;
        if seq != base {
            sqlx::query("UPDATE estates SET seq = $1 WHERE id = $2")
                .bind(seq)
                .bind(estate_id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    /// What the estate holds of the references a push makes (households, buildings and units,
    /// photos, staff an order is given to), for the arrival check: only the referenced ids are
    /// looked up.
    pub async fn references(&self, estate_id: &str, events: &[Event]) -> sqlx::Result<Known> {
        let mut households = Vec::new();
        let mut units = Vec::new();
        let mut photos = Vec::new();
        let mut staff = Vec::new();
        for e in events {
            photos.extend(e.body.photos().into_iter().map(str::to_string));
            match &e.body {
                EventBody::Visited { household_id, .. } => households.push(household_id.clone()),
                EventBody::Reported(r) if !r.unit_id.is_empty() => units.push(r.unit_id.clone()),
                EventBody::Dispatched { to: Some(to) } | EventBody::Reassigned { to } => {
                    staff.push(to.clone())
                }
                _ => {}
            }
        }
        let prices = if events
            .iter()
            .any(|e| matches!(e.body, EventBody::Quoted { .. }))
        {
            self.price_item_ids(estate_id).await?
        } else {
            HashSet::new()
        };
        if households.is_empty() && units.is_empty() && photos.is_empty() && staff.is_empty() {
            // Most pushes (notes, arrivals, completions) refer to nothing: no round trip.
            return Ok(Known {
                prices,
                ..Known::default()
            });
        }
        let mut conn = self.pool.acquire().await?;
        let households = existing(
            &mut conn,
            "SELECT h.id FROM households h JOIN units u ON u.id = h.unit_id \
             JOIN buildings b ON b.id = u.building_id WHERE b.estate_id = $1 AND h.id IN ({})",
            Some(estate_id),
            &households,
        )
        .await?;
        let units = existing(
            &mut conn,
            "SELECT u.building_id || '/' || u.id FROM units u JOIN buildings b ON b.id = u.building_id \
             WHERE b.estate_id = $1 AND u.id IN ({})",
            Some(estate_id),
            &units,
        )
        .await?;
        let photos = crate::store::photos::known_photo_names(&mut conn, estate_id, &photos).await?;
        // Those the estate's staff directory lists: given this estate, not disabled.
        let staff = existing(
            &mut conn,
            "SELECT s.id FROM staff s JOIN staff_estates se ON se.staff_id = s.id \
             WHERE se.estate_id = $1 AND s.disabled = 0 AND s.id IN ({})",
            Some(estate_id),
            &staff,
        )
        .await?;
        let known = Known {
            households,
            units,
            photos,
            staff,
            prices,
        };
        Ok(known)
    }

    /// The events of an estate that the rules read across orders (reports, classifications,
    /// assessments and milestones): what complaint severity needs of the other orders.
    pub async fn rule_events(&self, estate_id: &str) -> sqlx::Result<Vec<Event>> {
        let rows = sqlx::query(
            "SELECT estate_id, seq, id, order_id, subject_kind, subject_id, device_id, device_seq, hlc, actor, kind, at, body FROM events \
             WHERE estate_id = $1 AND kind IN ('reported', 'classified', 'assessed', 'dispatched', \
             'reassigned', 'responded', 'completed', 'called_back', 'closed', 'reopened') ORDER BY seq",
        )
        .bind(estate_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            events.extend(readable_event(r)?);
        }
        Ok(events)
    }

    /// Every estate's id, for the server's clock.
    pub async fn estate_ids(&self) -> sqlx::Result<Vec<String>> {
        sqlx::query("SELECT id FROM estates ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect()
    }

    /// Records on an estate's orders the escalation steps due at `now` (see `jobs`), each
    /// naming the staff of its level; the number recorded. One transaction that locks the
    /// estate's row first, so concurrent instances record each step once.
    pub async fn record_escalations(
        &self,
        estate_id: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<usize> {
        let Some(estate) = self
            .estates_by_ids(&[estate_id.to_string()])
            .await?
            .into_iter()
            .next()
        else {
            return Ok(0);
        };
        let (policy, calendar) = estate
            .rules()
            .map_err(|e| anyhow::anyhow!("estate {estate_id}: stored rules do not load: {e}"))?;
        let mut tx = self.begin().await?;
        let base: i64 = sqlx::query("UPDATE estates SET seq = seq WHERE id = $1 RETURNING seq")
            .bind(estate_id.to_string())
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        // Orders that may still climb: open ones, and any reported in the last 60 days (a
        // server down for weeks still records what became due meanwhile).
        let since = now.timestamp_millis() - 60 * 24 * 3_600_000;
        let rows = sqlx::query(
            "SELECT estate_id, seq, id, order_id, subject_kind, subject_id, device_id, device_seq, hlc, actor, kind, at, body FROM events \
             WHERE estate_id = $1 AND kind IN ('reported', 'classified', 'assessed', 'completed', 'closed', \
             'reopened', 'escalated', 'graded') AND order_id IN ( \
               SELECT o.id FROM orders o WHERE o.estate_id = $2 AND (o.reported_ms >= $3 \
               OR NOT EXISTS (SELECT 1 FROM events c WHERE c.order_id = o.id AND c.kind = 'closed') \
               OR EXISTS (SELECT 1 FROM events c WHERE c.order_id = o.id AND c.kind = 'reopened'))) \
             ORDER BY seq",
        )
        .bind(estate_id.to_string())
        .bind(estate_id.to_string())
        .bind(since)
        .fetch_all(&mut *tx)
        .await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            events.extend(readable_event(r)?);
        }
        let orders: Vec<anju_shared::order::OrderState> = anju_shared::order::order_ids(&events)
            .iter()
            .filter_map(|id| anju_shared::order::fold(id, &events))
            .collect();
        let at_now = calendar.in_offset(now.fixed_offset());
        let (steps, grades) = anju_shared::due::estate_pass(&policy, &calendar, &orders, at_now);
        if steps.is_empty() && grades.is_empty() {
            tx.rollback().await?;
            return Ok(0);
        }
        let mut levels: Vec<Escalation> = steps.iter().map(|s| s.level).collect();
        levels.sort();
        levels.dedup();
        let mut concerned: HashMap<Escalation, Vec<String>> = HashMap::new();
        for level in levels {
            let who = staff_of_level(&mut tx, estate_id, level).await?;
            concerned.insert(level, who);
        }
        let mut seq = base;
        for step in &steps {
            seq += 1;
            let body = EventBody::Escalated {
                level: step.level,
                to: concerned.get(&step.level).cloned().unwrap_or_default(),
            };
            let e = clock_event(&step.order_id, seq, step.due, body);
            insert_event(&mut tx, estate_id, seq, &e).await?;
        }
        // A hotspot or major complaint concerns the customer-service supervisor and the quality
        // centre (D-5: the quality centre hears of a hotspot within a working day).
        let mut graders = Vec::new();
        if !grades.is_empty() {
            graders.extend(staff_of_level(&mut tx, estate_id, Escalation::CsSupervisor).await?);
            graders.extend(staff_of_level(&mut tx, estate_id, Escalation::QualityCentre).await?);
            graders.sort();
            graders.dedup();
        }
        for grade in &grades {
            seq += 1;
            let body = EventBody::Graded {
                severity: grade.severity,
                to: graders.clone(),
            };
            let e = clock_event(&grade.order_id, seq, at_now, body);
            insert_event(&mut tx, estate_id, seq, &e).await?;
        }
        sqlx::query("UPDATE estates SET seq = $1 WHERE id = $2")
            .bind(seq)
            .bind(estate_id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(steps.len() + grades.len())
    }

    /// One order's events, in storage order.
    pub async fn order_events(&self, estate_id: &str, order_id: &str) -> sqlx::Result<Vec<Event>> {
        let rows = sqlx::query(
            "SELECT estate_id, seq, id, order_id, subject_kind, subject_id, device_id, device_seq, hlc, actor, kind, at, body FROM events \
             WHERE estate_id = $1 AND order_id = $2 ORDER BY seq",
        )
        .bind(estate_id.to_string())
        .bind(order_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            events.extend(readable_event(r)?);
        }
        Ok(events)
    }

    /// Events of an estate after `cursor`, in sequence order, at most `limit` rows; the cursor
    /// to send next (the last row's sequence number, read or not), whether more wait, and the
    /// reference numbers of the orders reported on the page.
    pub async fn pull(
        &self,
        estate_id: &str,
        cursor: i64,
        limit: u32,
    ) -> sqlx::Result<(Vec<Event>, i64, bool, Vec<OrderReference>)> {
        let rows = sqlx::query(
            "SELECT e.estate_id, e.seq, e.id, e.order_id, e.subject_kind, e.subject_id, e.device_id, e.device_seq, e.hlc, e.actor, e.kind, e.at, e.body, \
             o.reference FROM events e \
             LEFT JOIN orders o ON e.kind = 'reported' AND o.id = e.order_id AND o.estate_id = e.estate_id \
             WHERE e.estate_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3",
        )
        .bind(estate_id.to_string())
        .bind(cursor)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() > limit as usize;
        let page = &rows[..rows.len().min(limit as usize)];
        let next = match page.last() {
            Some(r) => r.try_get("seq")?,
            None => cursor,
        };
        let mut events = Vec::with_capacity(page.len());
        let mut references = Vec::new();
        for r in page {
            let Some(event) = readable_event(r)? else {
                continue;
            };
            if let Some(reference) = r.try_get::<Option<String>, _>("reference")? {
                references.push(OrderReference {
                    order_id: event.order_id().to_string(),
                    reference,
                });
            }
            events.push(event);
        }
        Ok((events, next, more, references))
    }
}

/// What an erasure removed: the orders whose reports were redacted, and how many stored
/// photos were deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    pub orders: Vec<String>,
    /// The households they were registered in, whose visit notes were erased.
    pub households: Vec<String>,
    pub photos: u64,
}

/// The photos named by the resident's own `photo` events of an order (those the public form
/// recorded with the report), in the order they were attached.
async fn resident_photo_hashes(
    conn: &mut sqlx::AnyConnection,
    order_id: &str,
) -> sqlx::Result<Vec<String>> {
    // The resident's own photos, and their signature on a technician's tablet.
    let rows = sqlx::query(
        "SELECT body FROM events WHERE order_id = $1 AND \
         ((kind = 'photo' AND actor = 'resident') OR kind = 'confirmed') ORDER BY seq",
    )
    .bind(order_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut hashes = Vec::with_capacity(rows.len());
    for row in rows {
        let body: String = row.try_get(0)?;
        let hash = match serde_json::from_str(&body) {
            Ok(EventBody::Photo { hash })
            | Ok(EventBody::Confirmed {
                signature: Some(hash),
                ..
            }) => hash,
            _ => continue,
        };
        if !hashes.contains(&hash) {
            hashes.push(hash);
        }
    }
    Ok(hashes)
}

/// Deletes the stored photos the resident attached to the erased orders `(order id, estate
/// id)`, inside the erasure's transaction (which holds those estates' rows, so no push to them
/// commits in between). A photo is named by its content, per estate: the same picture may be
/// carried by another order — a neighbour who sent the same picture, staff who recorded it on
/// another order. Such a photo belongs to that order as much as to this resident and is kept
/// while any such order is not itself erased. Returns how many photos were deleted.
async fn erase_resident_photos(
    tx: &mut Transaction<'static, Any>,
    orders: &[(String, String)],
) -> sqlx::Result<u64> {
    use std::collections::BTreeSet;
    let erasing: BTreeSet<&str> = orders.iter().map(|(id, _)| id.as_str()).collect();
    let mut attached: BTreeSet<(String, String)> = BTreeSet::new();
    for (order_id, estate_id) in orders {
        for hash in resident_photo_hashes(&mut *tx, order_id).await? {
            attached.insert((estate_id.clone(), hash));
        }
    }
    let mut deleted = 0;
    for (estate_id, hash) in attached {
        // `LIKE` narrows the scan to events naming the hash (64 hex digits, no wildcards);
        // the parsed body decides.
        let rows = sqlx::query(
            "SELECT order_id, body FROM events WHERE estate_id = $1 AND kind = 'photo' AND body LIKE $2",
        )
        .bind(estate_id.clone())
        .bind(format!("%{hash}%"))
        .fetch_all(&mut **tx)
        .await?;
        let mut carriers = BTreeSet::new();
        for row in rows {
            let order_id: String = row.try_get(0)?;
            let body: String = row.try_get(1)?;
            let names_it = matches!(
                serde_json::from_str(&body),
                Ok(EventBody::Photo { hash: h }) if h == hash
            );
            if names_it && !erasing.contains(order_id.as_str()) {
                carriers.insert(order_id);
            }
        }
        let mut in_use = false;
        for order_id in carriers {
            let erased =
                sqlx::query("SELECT 1 FROM events WHERE order_id = $1 AND kind = 'erased'")
                    .bind(order_id)
                    .fetch_optional(&mut **tx)
                    .await?;
            if erased.is_none() {
                in_use = true;
                break;
            }
        }
        if !in_use {
            // A signature taken on a tablet is named by the tablet: the stored copy goes, and
            // every name of it.
            let Some(stored) =
                crate::store::photos::stored_hash(&mut *tx, &estate_id, &hash).await?
            else {
                continue;
            };
            deleted += sqlx::query("DELETE FROM photos WHERE hash = $1 AND estate_id = $2")
                .bind(stored.clone())
                .bind(estate_id.clone())
                .execute(&mut **tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM photo_names WHERE hash = $1 AND estate_id = $2")
                .bind(stored)
                .bind(estate_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(deleted)
}

/// An order's registry row (its events go in beside it).
async fn insert_order_row(
    tx: &mut Transaction<'static, Any>,
    estate_id: &str,
    order: &NewOrder,
    reference: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO orders (id, estate_id, reference, tracking_hash, reported_ms, contact_name, \
         contact_phone, notice_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(order.id.clone())
    .bind(estate_id.to_string())
    .bind(reference.to_string())
    .bind(order.tracking_hash.clone())
    .bind(order.reported_ms)
    .bind(order.contact_name.clone())
    .bind(order.contact_phone.clone())
    .bind(order.notice_version.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores one event under `seq` in `tx` and marks its order's kept state stale (the server's
/// own records, the demo's history, the benches; a push stores its batch itself).
pub async fn insert_event(
    tx: &mut Transaction<'static, Any>,
    estate_id: &str,
    seq: i64,
    e: &Event,
) -> sqlx::Result<()> {
    let row = StoredEvent::of(e).map_err(|err| sqlx::Error::Encode(err.into()))?;
    insert_row(tx, estate_id, seq, row).await
}

async fn insert_row(
    tx: &mut Transaction<'static, Any>,
    estate_id: &str,
    seq: i64,
    row: StoredEvent,
) -> sqlx::Result<()> {
    // Every stored event of an order passes here or through the push's batch: its kept
    // folded state becomes stale.
    let order_id = row.order_id.clone();
    insert_row_only(tx, estate_id, seq, row).await?;
    if !order_id.is_empty() {
        crate::store::folded::touch(tx, &[order_id]).await?;
    }
    Ok(())
}

/// [`insert_row`] without marking the order's kept state stale: for the push, which marks
/// every order it stored events of once, at the end of its transaction.
async fn insert_row_only(
    tx: &mut Transaction<'static, Any>,
    estate_id: &str,
    seq: i64,
    row: StoredEvent,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO events (estate_id, seq, id, order_id, subject_kind, subject_id, device_id, device_seq, hlc, actor, kind, at, body, received_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(estate_id.to_string())
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
    .bind(chrono::Utc::now().timestamp_millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An event in the columns it is stored in. Encoding and decoding are pure, so the sync path
/// checks that an event reads back exactly as it was sent before it stores it, and the fuzz
/// target runs the same round trip.
///
/// `order_id` repeats `subject_id` for an order's events and is empty for every other subject:
/// the order reads (desk, figures, webhooks, erasure) keep their column and index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: String,
    pub order_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub device_id: String,
    pub device_seq: i64,
    pub hlc: String,
    pub actor: String,
    pub kind: String,
    pub at: String,
    pub body: String,
}

impl StoredEvent {
    pub fn of(e: &Event) -> Result<StoredEvent, String> {
        let body = serde_json::to_string(&e.body).map_err(|_| "body: cannot be encoded")?;
        Ok(StoredEvent {
            id: e.id.clone(),
            order_id: e.order_id().to_string(),
            subject_kind: e.subject.kind.as_str().to_string(),
            subject_id: e.subject.id.clone(),
            device_id: e.device_id.clone(),
            device_seq: i64::try_from(e.device_seq).map_err(|_| "device_seq: too large")?,
            hlc: e.hlc.to_string(),
            actor: e.actor.clone(),
            kind: e.body.kind().to_string(),
            at: e.at.to_rfc3339(),
            body,
        })
    }

    /// The event these columns hold, with its estate sequence number; the error names the
    /// column that does not read.
    pub fn decode(&self, seq: i64) -> Result<Event, String> {
        let body: EventBody =
            serde_json::from_str(&self.body).map_err(|_| "body: not an event body")?;
        // A row written without a subject (by SQL of the order-only log) reads as it did then.
        let subject = if self.subject_id.is_empty() {
            Subject::legacy(&self.order_id, &body)
        } else {
            Subject::new(
                SubjectKind::parse(&self.subject_kind).ok_or("subject_kind: not a subject kind")?,
                self.subject_id.clone(),
            )
        };
        if subject.kind == SubjectKind::Order && subject.id != self.order_id {
            return Err("order_id: not the subject's".into());
        }
        Ok(Event {
            id: self.id.clone(),
            subject,
            device_id: self.device_id.clone(),
            device_seq: u64::try_from(self.device_seq).map_err(|_| "device_seq: negative")?,
            hlc: anju_shared::hlc::Hlc::parse(&self.hlc).ok_or("hlc: not a clock stamp")?,
            actor: self.actor.clone(),
            at: chrono::DateTime::parse_from_rfc3339(&self.at).map_err(|_| "at: not a time")?,
            body,
            seq: Some(seq),
        })
    }

    /// Whether `e` would read back from storage exactly as it is: the last guard before a
    /// write, so no row the readers cannot take is ever stored.
    pub fn round_trips(e: &Event) -> bool {
        StoredEvent::checked(e).is_some()
    }

    /// The columns of `e` when they read back as `e` exactly; `None` otherwise.
    pub fn checked(e: &Event) -> Option<StoredEvent> {
        let row = StoredEvent::of(e).ok()?;
        let back = row.decode(0).ok()?;
        (Event { seq: e.seq, ..back } == *e).then_some(row)
    }
}

/// The estate an order belongs to, if it exists: stored, or reported earlier in the push being
/// judged (`owners` remembers both, so each order is looked up once a push).
async fn order_owner(
    tx: &mut Transaction<'static, Any>,
    owners: &mut HashMap<String, Option<String>>,
    order_id: &str,
) -> sqlx::Result<Option<String>> {
    if !owners.contains_key(order_id) {
        let owner = sqlx::query("SELECT estate_id FROM orders WHERE id = $1")
            .bind(order_id.to_string())
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get::<String, _>(0))
            .transpose()?;
        owners.insert(order_id.to_string(), owner);
    }
    Ok(owners.get(order_id).cloned().flatten())
}

fn estate_from_row(r: &AnyRow) -> sqlx::Result<Estate> {
    Ok(Estate {
        id: r.try_get("id")?,
        company_id: r.try_get("company_id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        policy: r.try_get("policy")?,
        utc_offset: r.try_get("utc_offset")?,
        // Both were validated before they were stored; unreadable ones (never expected)
        // fall back to the preset as shipped rather than locking the estate out.
        policy_override: serde_json::from_str(&r.try_get::<String, _>("policy_override")?)
            .unwrap_or_else(|_| serde_json::json!({})),
        calendar: serde_json::from_str(&r.try_get::<String, _>("calendar")?).ok(),
    })
}

fn staff_from_row(r: &AnyRow) -> sqlx::Result<StaffRow> {
    let disabled: i64 = r.try_get("disabled")?;
    Ok(StaffRow {
        id: r.try_get("id")?,
        company_id: r.try_get("company_id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: r.try_get("role")?,
        password_hash: r.try_get("password_hash")?,
        disabled: disabled != 0,
    })
}

/// A subject column, or empty when the query did not select it (SQL written for the order-only
/// log): the row then reads by its `order_id` as it always did.
fn subject_column(r: &AnyRow, name: &str) -> sqlx::Result<String> {
    match r.try_get(name) {
        Err(sqlx::Error::ColumnNotFound(_)) => Ok(String::new()),
        other => other,
    }
}

fn event_from_row(r: &AnyRow) -> sqlx::Result<Event> {
    let row = StoredEvent {
        id: r.try_get("id")?,
        order_id: r.try_get("order_id")?,
        subject_kind: subject_column(r, "subject_kind")?,
        subject_id: subject_column(r, "subject_id")?,
        device_id: r.try_get("device_id")?,
        device_seq: r.try_get("device_seq")?,
        hlc: r.try_get("hlc")?,
        actor: r.try_get("actor")?,
        kind: r.try_get("kind")?,
        at: r.try_get("at")?,
        body: r.try_get("body")?,
    };
    let seq: i64 = r.try_get("seq")?;
    row.decode(seq)
        .map_err(|why| sqlx::Error::Decode(format!("event {seq}: {why}").into()))
}

/// The event of a row, or `None` for a row that cannot be read (stored before the arrival
/// check existed, or written around the API): it is logged — the estate, its sequence number
/// and which column, never its content — and skipped, and stays in the table for review. One
/// bad row must never take down a page that lists it.
pub(crate) fn readable_event(r: &AnyRow) -> sqlx::Result<Option<Event>> {
    match event_from_row(r) {
        Ok(e) => Ok(Some(e)),
        Err(sqlx::Error::Decode(why)) => {
            let estate: String = r.try_get("estate_id").unwrap_or_default();
            tracing::warn!(%estate, error = %why, "unreadable event skipped");
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

/// The most of a refused event kept for review: enough to see what it was, bounded so a push
/// of junk cannot grow the table by megabytes.
pub const REVIEW_COPY_MAX: usize = 16 * 1024;

/// A refused event as kept for review: its JSON, cut at [`REVIEW_COPY_MAX`] bytes (on a
/// character boundary) and marked when cut.
fn review_copy(e: &Event) -> String {
    let json = serde_json::to_string(e).unwrap_or_default();
    if json.len() <= REVIEW_COPY_MAX {
        return json;
    }
    let mut cut = REVIEW_COPY_MAX;
    while !json.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…(cut: {} bytes in all)", &json[..cut], json.len())
}

/// The ids among `ids` that `sql` finds: its `{}` becomes the placeholders, after `$1` for
/// `scope` when given. Chunked to stay far below either backend's limit on bound parameters.
pub(crate) async fn existing(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
    scope: Option<&str>,
    ids: &[String],
) -> sqlx::Result<HashSet<String>> {
    let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    let first = usize::from(scope.is_some()) + 1;
    let mut found = HashSet::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (first..first + chunk.len())
            .map(|i| format!("${i}"))
            .collect();
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.replace("{}", &marks.join(", "))));
        if let Some(scope) = scope {
            query = query.bind(scope.to_string());
        }
        for id in chunk {
            query = query.bind(id.to_string());
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.insert(row.try_get(0)?);
        }
    }
    Ok(found)
}

/// The next reference number of an order reported at `at`: the day in the estate's time and
/// that day's own counter (`20261207-0001`, `-0002`, …), so numbers a resident quotes never
/// skip.
async fn next_reference(
    conn: &mut sqlx::AnyConnection,
    estate_id: &str,
    at: &chrono::DateTime<chrono::FixedOffset>,
) -> sqlx::Result<String> {
    let day = at.format("%Y%m%d").to_string();
    let n: i64 = sqlx::query(
        "INSERT INTO order_counters (estate_id, day, last) VALUES ($1, $2, 1) \
         ON CONFLICT (estate_id, day) DO UPDATE SET last = order_counters.last + 1 RETURNING last",
    )
    .bind(estate_id.to_string())
    .bind(day.clone())
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    Ok(format!("{day}-{n:04}"))
}

/// What an estate holds of a push's references (see [`Db::references`]): every question of
/// the arrival check answered, none left to "cannot tell".
#[derive(Debug, Default)]
pub struct Known {
    households: HashSet<String>,
    /// `building_id/unit_id`.
    units: HashSet<String>,
    photos: HashSet<String>,
    staff: HashSet<String>,
    /// The estate's price-list item ids, read when the push holds a quote.
    prices: HashSet<String>,
}

impl arrival::Lookup for Known {
    fn household(&self, id: &str) -> Option<bool> {
        Some(self.households.contains(id))
    }
    fn unit(&self, building: &str, unit: &str) -> Option<bool> {
        Some(self.units.contains(&format!("{building}/{unit}")))
    }
    fn photo(&self, hash: &str) -> Option<bool> {
        Some(self.photos.contains(hash))
    }
    fn staff(&self, id: &str) -> Option<bool> {
        Some(self.staff.contains(id))
    }
    fn price_item(&self, id: &str) -> Option<bool> {
        Some(self.prices.contains(id))
    }
}

/// The private contact of a staff-made report, sent beside the event, never in it.
pub use anju_shared::sync::Contact;

/// An event the server's clock records on an order at estate sequence `seq`: its key is the
/// server's own (the sequence number is unique in the estate) and its stamp the moment it
/// stands for.
fn clock_event(
    order_id: &str,
    seq: i64,
    at: chrono::DateTime<chrono::FixedOffset>,
    body: EventBody,
) -> Event {
    Event {
        id: uuid::Uuid::now_v7().to_string(),
        subject: Subject::order(order_id),
        device_id: CLOCK_DEVICE.to_string(),
        device_seq: u64::try_from(seq).unwrap_or_default(),
        hlc: anju_shared::hlc::Hlc::new(u64::try_from(at.timestamp_millis()).unwrap_or(0), 0),
        actor: CLOCK_ACTOR.to_string(),
        at,
        body,
        seq: None,
    }
}

/// The device id and actor of the events the server's clock records.
pub const CLOCK_DEVICE: &str = "server-clock";
pub const CLOCK_ACTOR: &str = "system";

/// The active staff an escalation level concerns in an estate: those of its role given the
/// estate; for the area manager also those whose region holds it; for the quality centre
/// everyone of that role in the estate's company.
async fn staff_of_level(
    conn: &mut sqlx::AnyConnection,
    estate_id: &str,
    level: Escalation,
) -> sqlx::Result<Vec<String>> {
    let role = match level {
        Escalation::None => return Ok(Vec::new()),
        Escalation::DepartmentSupervisor => Role::DeptSupervisor,
        Escalation::CsSupervisor => Role::CsSupervisor,
        Escalation::ProjectManager => Role::ProjectManager,
        Escalation::AreaManager => Role::AreaManager,
        Escalation::QualityCentre => Role::QualityCentre,
    };
    sqlx::query(
        "SELECT s.id FROM staff s WHERE s.disabled = 0 AND s.role = $1 AND ( \
           EXISTS (SELECT 1 FROM staff_estates se WHERE se.staff_id = s.id AND se.estate_id = $2) \
           OR (s.role = 'area_manager' AND EXISTS (SELECT 1 FROM staff_regions sr \
               JOIN estates e ON e.region_id = sr.region_id WHERE sr.staff_id = s.id AND e.id = $3)) \
           OR (s.role = 'quality_centre' AND s.company_id = (SELECT company_id FROM estates WHERE id = $4))) \
         ORDER BY s.id LIMIT 50",
    )
    .bind(role.as_str().to_string())
    .bind(estate_id.to_string())
    .bind(estate_id.to_string())
    .bind(estate_id.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect()
}
