//! Each order's folded state kept beside it (`orders.folded`, migration 0019), so the figures
//! of a month — KPIs, the dashboard, the monthly and weekly reports — read one row per order
//! instead of folding every event of every order at each read.
//!
//! The event log stays the truth; a kept state is only a cache of `anju_shared::order::fold`
//! over it, trusted while two things hold: no event of the order was stored since it was
//! folded (`touches`, counted in the transaction that stores each event, equals
//! `folded_touches`) and it was folded by this server's fold (`folded_by` is
//! [`anju_shared::SOURCE`], the shared crate's source digest). A reader folds every state it
//! cannot trust from the events, so figures are never read from a stale state; the
//! background refresher ([`spawn`]) keeps the states current so readers rarely have to, and
//! is the only writer of states (no GET changes what is stored).
//!
//! Safe with several instances: a state is written only where `touches` is still the value
//! read before its events were read (a compare-and-set), so a push that lands meanwhile
//! leaves the state stale rather than overwritten by an older fold.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use anju_shared::order::{Event, OrderState, Status, fold};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::db::{Db, readable_event};

/// Orders folded per batch of the refresher: one read of their events, one transaction.
const BATCH: i64 = 2_000;

/// Bound parameters per `IN (…)` list, far below either backend's limit.
const CHUNK: usize = 500;

/// Marks the kept states of `order_ids` stale, in the transaction that stores their events:
/// for each stored event of an order, or once for a push's whole batch (an order not stored
/// yet has no row to mark). Any change of `touches` is enough: a state is trusted only at
/// the value it was folded at.
pub(crate) async fn touch(
    tx: &mut Transaction<'static, Any>,
    order_ids: &[String],
) -> sqlx::Result<()> {
    for chunk in order_ids.chunks(CHUNK) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "UPDATE orders SET touches = touches + 1, is_open = 1 WHERE id IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id.clone());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// An order's row as the readers see it.
struct Kept {
    id: String,
    reference: String,
    /// The kept state when it can be trusted (`Some(None)`: its events fold to no order).
    state: Option<Option<OrderState>>,
}

fn kept(r: &AnyRow) -> sqlx::Result<Kept> {
    let touches: i64 = r.try_get("touches")?;
    let folded_touches: i64 = r.try_get("folded_touches")?;
    let folded_by: String = r.try_get("folded_by")?;
    let state = if touches == folded_touches && folded_by == anju_shared::SOURCE {
        let folded: Option<String> = r.try_get("folded")?;
        match folded {
            None => Some(None),
            // A state that does not read back is folded again, like a stale one.
            Some(json) => serde_json::from_str(&json).ok().map(Some),
        }
    } else {
        None
    };
    Ok(Kept {
        id: r.try_get("id")?,
        reference: r.try_get("reference")?,
        state,
    })
}

const KEPT_COLUMNS: &str = "id, reference, touches, folded_touches, folded_by, folded";

impl Db {
    /// Marks stale every state this server did not fold (kept by a build of other shared
    /// source), so the refresher folds them again; run once at start. How many it marked.
    pub async fn forget_foreign_folds(&self) -> sqlx::Result<u64> {
        let done = sqlx::query(
            "UPDATE orders SET folded_touches = -1, is_open = 1 \
             WHERE folded_by <> $1 AND folded_touches <> -1",
        )
        .bind(anju_shared::SOURCE.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Folds up to `limit` orders whose kept state is stale and keeps their states; how many
    /// it folded. Zero when every state is current.
    pub async fn refresh_folded(&self, limit: i64) -> anyhow::Result<usize> {
        let rows = sqlx::query(
            "SELECT id, touches FROM orders WHERE touches <> folded_touches ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut touches = HashMap::with_capacity(rows.len());
        for r in &rows {
            touches.insert(r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?);
        }
        let ids: Vec<String> = touches.keys().cloned().collect();
        let states = self.fold_orders(&ids).await?;
        let mut tx = self.begin().await?;
        for id in &ids {
            keep(&mut tx, id, touches[id], states.get(id)).await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }

    /// The orders of `ids` folded from their stored events (an order whose events fold to
    /// nothing is absent).
    async fn fold_orders(&self, ids: &[String]) -> sqlx::Result<HashMap<String, OrderState>> {
        let mut events: BTreeMap<String, Vec<Event>> = BTreeMap::new();
        for chunk in ids.chunks(CHUNK) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT estate_id, seq, id, order_id, subject_kind, subject_id, device_id, device_seq, hlc, actor, kind, at, body \
                 FROM events WHERE order_id IN ({}) ORDER BY order_id, seq",
                marks.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id.clone());
            }
            for r in &query.fetch_all(&self.pool).await? {
                if let Some(e) = readable_event(r)? {
                    events.entry(e.order_id().to_string()).or_default().push(e);
                }
            }
        }
        Ok(events
            .into_iter()
            .filter_map(|(id, events)| fold(&id, &events).map(|s| (id, s)))
            .collect())
    }

    /// An estate's orders for the figures of `[from_ms, to_ms)`, each with its reference, in
    /// order of id: those reported then, those reported earlier and still open, and with
    /// `reopened_since` those called back or reopened (by arrival) from then on, whenever
    /// reported. A superset is harmless — `anju_shared::dashboard` keeps each figure's own
    /// orders — but none of those may be missing. States that cannot be trusted are folded
    /// from the events here; keeping them is the refresher's work (a read never writes).
    pub async fn period_orders(
        &self,
        estate_id: &str,
        from_ms: i64,
        to_ms: i64,
        reopened_since: Option<i64>,
    ) -> anyhow::Result<Vec<(OrderState, String)>> {
        let estate = || Bind::Text(estate_id.to_string());
        let mut found: BTreeMap<String, (OrderState, String)> = BTreeMap::new();
        let mut stale: BTreeMap<String, String> = BTreeMap::new();
        let mut parts = vec![
            (
                "estate_id = $1 AND reported_ms >= $2 AND reported_ms < $3",
                vec![estate(), Bind::Int(from_ms), Bind::Int(to_ms)],
            ),
            // Still open (or stale, so perhaps open): the partial index `orders_open` holds
            // only these, so the year's completed orders are never read.
            (
                "estate_id = $1 AND is_open = 1 AND reported_ms < $2",
                vec![estate(), Bind::Int(from_ms)],
            ),
        ];
        if let Some(since) = reopened_since {
            parts.push((
                "estate_id = $1 AND reported_ms < $2 AND id IN (SELECT order_id FROM events \
                 WHERE estate_id = $1 AND kind IN ('called_back', 'reopened') AND received_ms >= $3)",
                vec![estate(), Bind::Int(from_ms), Bind::Int(since)],
            ));
        }
        for (cond, binds) in &parts {
            self.kept_where(cond, binds, &mut found, &mut stale).await?;
        }
        let stale_ids: Vec<String> = stale.keys().cloned().collect();
        let mut folded = self.fold_orders(&stale_ids).await?;
        for (id, reference) in stale {
            if let Some(state) = folded.remove(&id) {
                found.insert(id, (state, reference));
            }
        }
        Ok(found.into_values().collect())
    }

    /// The orders that match `cond` (over `binds`): the trusted states into `found`, by id, and
    /// the ids of the others, with their references, into `stale`.
    ///
    /// The trusted states come in one row, joined by the database (`string_agg`): a month of a
    /// large estate is a thousand states, and taking each as a row of its own cost more than
    /// reading them. Should the joined answer not read back (a state that does not parse), the
    /// rows are read one by one and a state that does not parse is folded again.
    async fn kept_where(
        &self,
        cond: &str,
        binds: &[Bind],
        found: &mut BTreeMap<String, (OrderState, String)>,
        stale: &mut BTreeMap<String, String>,
    ) -> anyhow::Result<()> {
        let by = binds.len() + 1;
        let trusted = format!("touches = folded_touches AND folded_by = ${by}");
        let joined = format!(
            "SELECT string_agg(folded, ','), string_agg(reference, ','), COUNT(*) FROM orders \
             WHERE {cond} AND {trusted} AND folded IS NOT NULL"
        );
        let row = bound(sqlx::query(sqlx::AssertSqlSafe(joined)), binds)
            .bind(anju_shared::SOURCE.to_string())
            .fetch_one(&self.pool)
            .await?;
        let count: i64 = row.try_get(2)?;
        if count > 0 {
            let states: String = row.try_get(0)?;
            let references: String = row.try_get(1)?;
            // References are the server's own (`20261208-0001`): no comma in them.
            let references: Vec<&str> = references.split(',').collect();
            match serde_json::from_str::<Vec<OrderState>>(&format!("[{states}]")) {
                Ok(states) if states.len() == references.len() => {
                    for (state, reference) in states.into_iter().zip(references) {
                        found.insert(state.id.clone(), (state, reference.to_string()));
                    }
                }
                _ => {
                    let one_by_one =
                        format!("SELECT {KEPT_COLUMNS} FROM orders WHERE {cond} AND {trusted}");
                    for r in &bound(sqlx::query(sqlx::AssertSqlSafe(one_by_one)), binds)
                        .bind(anju_shared::SOURCE.to_string())
                        .fetch_all(&self.pool)
                        .await?
                    {
                        let k = kept(r)?;
                        match k.state {
                            Some(Some(state)) => {
                                found.insert(k.id, (state, k.reference));
                            }
                            Some(None) => {}
                            None => {
                                stale.insert(k.id, k.reference);
                            }
                        }
                    }
                }
            }
        }
        let untrusted = format!(
            "SELECT id, reference FROM orders WHERE {cond} \
             AND (touches <> folded_touches OR folded_by <> ${by})"
        );
        for r in &bound(sqlx::query(sqlx::AssertSqlSafe(untrusted)), binds)
            .bind(anju_shared::SOURCE.to_string())
            .fetch_all(&self.pool)
            .await?
        {
            stale.insert(r.try_get(0)?, r.try_get(1)?);
        }
        Ok(())
    }
}

/// A value bound to a statement of [`Db::kept_where`].
enum Bind {
    Text(String),
    Int(i64),
}

fn bound<'q>(
    mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    binds: &[Bind],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    for b in binds {
        query = match b {
            Bind::Text(t) => query.bind(t.clone()),
            Bind::Int(i) => query.bind(*i),
        };
    }
    query
}

/// A state's JSON without what reads back by default (nulls, empty lists and objects,
/// `false`, and a callback's empty answers): a month's figures parse every kept state, and
/// these are a quarter of a typical one. Kept only when it reads back as the very same
/// state, else the whole JSON is.
fn compact(state: &OrderState) -> serde_json::Result<String> {
    use serde_json::Value;
    let empty = |v: &Value| {
        v.is_null()
            || *v == Value::Bool(false)
            || v.as_array().is_some_and(Vec::is_empty)
            || v.as_object().is_some_and(serde_json::Map::is_empty)
    };
    let mut value = serde_json::to_value(state)?;
    if let Value::Object(fields) = &mut value {
        fields.retain(|_, v| !empty(v));
        if let Some(Value::Array(callbacks)) = fields.get_mut("callbacks") {
            for callback in callbacks.iter_mut() {
                if let Value::Object(answers) = callback {
                    answers.retain(|_, v| !v.is_null());
                }
            }
        }
    }
    let json = serde_json::to_string(&value)?;
    if serde_json::from_str::<OrderState>(&json).ok().as_ref() == Some(state) {
        Ok(json)
    } else {
        serde_json::to_string(state)
    }
}

/// The columns a state is kept in: `folded` (its JSON, or NULL for events that fold to no
/// order) and `is_open` (1 until it is completed).
pub fn kept_columns(state: Option<&OrderState>) -> serde_json::Result<(Option<String>, i32)> {
    let json = state.map(compact).transpose()?;
    Ok((
        json,
        i32::from(state.is_some_and(|s| s.status < Status::Completed)),
    ))
}

/// Keeps `state` as the order's state folded at `touches`, unless an event was stored since.
async fn keep(
    tx: &mut Transaction<'static, Any>,
    id: &str,
    touches: i64,
    state: Option<&OrderState>,
) -> anyhow::Result<()> {
    let (json, open) = kept_columns(state)?;
    sqlx::query(
        "UPDATE orders SET folded = $1, folded_touches = $2, folded_by = $3, is_open = $4 \
         WHERE id = $5 AND touches = $2",
    )
    .bind(json)
    .bind(touches)
    .bind(anju_shared::SOURCE.to_string())
    .bind(open)
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Folds stale states every `every` until the process ends, a batch at a time until none is
/// left; a failed round is logged and the next one tries again.
pub fn spawn(db: Db, every: Duration) -> tokio::task::JoinHandle<()> {
    crate::jobs::repeat(every, move || {
        let db = db.clone();
        async move {
            let mut folded = 0;
            loop {
                match db.refresh_folded(BATCH).await {
                    Ok(0) => break,
                    Ok(n) => folded += n,
                    Err(e) => {
                        tracing::error!(error = %e, "folding the orders' kept states failed");
                        break;
                    }
                }
            }
            if folded > 0 {
                tracing::debug!(folded, "kept the orders' folded states");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use anju_shared::hlc::Hlc;
    use anju_shared::model::{Category, Channel};
    use anju_shared::order::{Event, EventBody, Reported, fold};
    use anju_shared::subject::Subject;
    use chrono::{DateTime, Duration};

    #[test]
    fn a_kept_state_is_compact_and_reads_back_the_same() {
        let at = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").expect("time");
        let bodies = [
            EventBody::Reported(Reported::by_staff(
                "水管漏水",
                Channel::Phone,
                Category::Repair,
            )),
            EventBody::Responded,
            EventBody::Completed,
            EventBody::callback(5),
            EventBody::Closed,
        ];
        let events: Vec<Event> = bodies
            .into_iter()
            .enumerate()
            .map(|(k, body)| {
                let when = at + Duration::hours(k as i64);
                Event {
                    id: format!("e-{k}"),
                    subject: Subject::order("o-1"),
                    device_id: "dev".into(),
                    device_seq: k as u64 + 1,
                    hlc: Hlc::new(when.timestamp_millis() as u64, 0),
                    actor: "stf-desk".into(),
                    at: when,
                    body,
                    seq: None,
                }
            })
            .collect();
        let state = fold("o-1", &events).expect("an order");
        let (json, open) = super::kept_columns(Some(&state)).expect("kept");
        let json = json.expect("a state");
        let whole = serde_json::to_string(&state).expect("json");
        assert!(
            json.len() * 4 < whole.len() * 3,
            "{} of {} bytes",
            json.len(),
            whole.len()
        );
        assert_eq!(
            serde_json::from_str::<anju_shared::order::OrderState>(&json).expect("reads"),
            state
        );
        assert_eq!(open, 0, "closed");
    }
}
