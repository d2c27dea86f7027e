//! What the monthly billing statement reads: an estate's paid orders — those with a quote the
//! resident agreed — reported before the month ended, folded from their stored events, with
//! their reference numbers. Which of them the month bills is `anju_shared::billing`'s call.

use std::collections::BTreeMap;

use anju_shared::order::{Event, OrderState, fold};
use sqlx::Row;

use crate::db::{Db, readable_event};

impl Db {
    /// The estate's quoted orders reported before `before_ms`, each folded, with its reference.
    pub async fn quoted_orders(
        &self,
        estate_id: &str,
        before_ms: i64,
    ) -> sqlx::Result<Vec<(OrderState, String)>> {
        let rows = sqlx::query(
            "SELECT o.reference AS o_reference, e.estate_id, e.seq, e.id, e.order_id, e.subject_kind, e.subject_id, \
                    e.device_id, e.device_seq, e.hlc, e.actor, e.kind, e.at, e.body \
             FROM orders o JOIN events e ON e.order_id = o.id \
             WHERE o.estate_id = $1 AND o.reported_ms < $2 AND EXISTS \
                (SELECT 1 FROM events q WHERE q.order_id = o.id AND q.kind = 'quoted') \
             ORDER BY o.id, e.seq",
        )
        .bind(estate_id.to_string())
        .bind(before_ms)
        .fetch_all(&self.pool)
        .await?;
        let mut by_order: BTreeMap<String, (String, Vec<Event>)> = BTreeMap::new();
        for r in &rows {
            let Some(event) = readable_event(r)? else {
                continue;
            };
            let reference: String = r.try_get("o_reference")?;
            by_order
                .entry(event.order_id().to_string())
                .or_insert_with(|| (reference, Vec::new()))
                .1
                .push(event);
        }
        Ok(by_order
            .into_iter()
            .filter_map(|(id, (reference, events))| fold(&id, &events).map(|s| (s, reference)))
            .collect())
    }
}
