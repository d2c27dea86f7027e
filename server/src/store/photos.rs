//! Photos' storage: the cleaned copy of each upload, per estate, under the hash of its cleaned
//! bytes, and the name a tablet gave it before uploading (the hash of the file as taken), so
//! an event recorded offline names a photo the server can find once it arrives.

use std::collections::HashSet;

use sqlx::Row;

use crate::db::Db;
use crate::photos::CleanPhoto;

impl Db {
    /// Stores a cleaned photo for an estate under its own hash and, when the file as taken
    /// hashed otherwise, under that name too. The same photo again is the same rows.
    pub async fn store_photo(
        &self,
        estate_id: &str,
        uploaded_by: &str,
        original: &str,
        photo: &CleanPhoto,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO photos (hash, estate_id, mime, bytes, uploaded_by, uploaded_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash, estate_id) DO NOTHING",
        )
        .bind(photo.hash.clone())
        .bind(estate_id.to_string())
        .bind(photo.mime.to_string())
        .bind(photo.bytes.clone())
        .bind(uploaded_by.to_string())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if original != photo.hash {
            sqlx::query(
                "INSERT INTO photo_names (estate_id, original, hash) VALUES ($1, $2, $3) \
                 ON CONFLICT (estate_id, original) DO NOTHING",
            )
            .bind(estate_id.to_string())
            .bind(original.to_string())
            .bind(photo.hash.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// Every estate that holds a photo by this name, with the hash it is stored under there.
    pub async fn photo_homes(&self, name: &str) -> sqlx::Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT estate_id, hash FROM photos WHERE hash = $1 \
             UNION SELECT estate_id, hash FROM photo_names WHERE original = $2",
        )
        .bind(name.to_string())
        .bind(name.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The stored photo (type and bytes) of an estate by the hash it is stored under.
    pub async fn photo_bytes(
        &self,
        estate_id: &str,
        hash: &str,
    ) -> sqlx::Result<Option<(String, Vec<u8>)>> {
        let row = sqlx::query("SELECT mime, bytes FROM photos WHERE hash = $1 AND estate_id = $2")
            .bind(hash.to_string())
            .bind(estate_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }
}

/// Which of `names` the estate holds, by either name: for the arrival check of a push.
pub(crate) async fn known_photo_names(
    conn: &mut sqlx::AnyConnection,
    estate_id: &str,
    names: &[String],
) -> sqlx::Result<HashSet<String>> {
    let mut found = crate::db::existing(
        conn,
        "SELECT hash FROM photos WHERE estate_id = $1 AND hash IN ({})",
        Some(estate_id),
        names,
    )
    .await?;
    found.extend(
        crate::db::existing(
            conn,
            "SELECT original FROM photo_names WHERE estate_id = $1 AND original IN ({})",
            Some(estate_id),
            names,
        )
        .await?,
    );
    Ok(found)
}

/// The hash a photo named `name` is stored under in the estate (itself, or the cleaned
/// copy's for a tablet's name), when it is stored.
pub(crate) async fn stored_hash(
    conn: &mut sqlx::AnyConnection,
    estate_id: &str,
    name: &str,
) -> sqlx::Result<Option<String>> {
    let row = sqlx::query(
        "SELECT hash FROM photos WHERE estate_id = $1 AND hash = $2 \
         UNION SELECT hash FROM photo_names WHERE estate_id = $3 AND original = $4",
    )
    .bind(estate_id.to_string())
    .bind(name.to_string())
    .bind(estate_id.to_string())
    .bind(name.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| r.try_get(0)).transpose()
}
