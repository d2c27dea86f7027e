//! Paid work's storage: an estate's price list, replaced whole in one transaction, and the
//! ids it holds for the arrival check of a quote (through [`Priced`], the push's lookup).

use std::collections::HashSet;

use anju_shared::arrival::{Lookup, Refusal};
use anju_shared::price::{PriceItem, PriceList};
use sqlx::Row;

use crate::db::Db;

impl Db {
    /// The estate's price list, in its manager's order.
    pub async fn price_list(&self, estate_id: &str) -> sqlx::Result<PriceList> {
        let rows = sqlx::query(
            "SELECT item_id, service, unit, price_fen, notes FROM estate_prices \
             WHERE estate_id = $1 ORDER BY position",
        )
        .bind(estate_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(PriceItem {
                    id: r.try_get("item_id")?,
                    service: r.try_get("service")?,
                    unit: r.try_get("unit")?,
                    price_fen: r.try_get("price_fen")?,
                    notes: r.try_get("notes")?,
                })
            })
            .collect::<sqlx::Result<Vec<_>>>()?;
        Ok(PriceList { items })
    }

    /// Replaces the estate's price list (checked by `price::check_list` before).
    pub async fn set_price_list(&self, estate_id: &str, list: &PriceList) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM estate_prices WHERE estate_id = $1")
            .bind(estate_id.to_string())
            .execute(&mut *tx)
            .await?;
        for (i, item) in list.items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO estate_prices (estate_id, item_id, service, unit, price_fen, notes, position) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(estate_id.to_string())
            .bind(item.id.clone())
            .bind(item.service.clone())
            .bind(item.unit.clone())
            .bind(item.price_fen)
            .bind(item.notes.clone())
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// The item ids of the estate's price list.
    pub async fn price_item_ids(&self, estate_id: &str) -> sqlx::Result<HashSet<String>> {
        let rows = sqlx::query("SELECT item_id FROM estate_prices WHERE estate_id = $1")
            .bind(estate_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| r.try_get(0)).collect()
    }
}

/// A push's lookup with the estate's price list in it: every other answer is `inner`'s.
pub struct Priced<'a, L: Lookup, P: Lookup> {
    pub inner: &'a L,
    /// The lookup that read the price list ([`Db::references`]).
    pub prices: &'a P,
}

impl<L: Lookup, P: Lookup> Lookup for Priced<'_, L, P> {
    fn household(&self, id: &str) -> Option<bool> {
        self.inner.household(id)
    }
    fn unit(&self, building: &str, unit: &str) -> Option<bool> {
        self.inner.unit(building, unit)
    }
    fn photo(&self, hash: &str) -> Option<bool> {
        self.inner.photo(hash)
    }
    fn staff(&self, id: &str) -> Option<bool> {
        self.inner.staff(id)
    }
    fn code(&self, checkpoint_id: &str, token: &str) -> Option<Result<(), Refusal>> {
        self.inner.code(checkpoint_id, token)
    }
    fn price_item(&self, id: &str) -> Option<bool> {
        self.prices.price_item(id)
    }
}
