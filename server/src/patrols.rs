//! Patrols' storage (V-3): an estate's checkpoints and routes, the key its checkpoint codes are
//! signed with (made on first use, kept here, never sent to a browser) and its generation, the
//! codes themselves and their QR drawings for the print sheet, and the doubts the server records
//! on scans pushed from a tablet whose clock was far from its own.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use sqlx::Row;

use anju_shared::arrival::{self, Refusal};
use anju_shared::order::{Event, EventBody};
use anju_shared::patrol::{
    self, Checkpoint, CheckpointInput, Code, PatrolPlan, RoundStep, Route, RouteInput,
};
use anju_shared::subject::Subject;

use crate::db::Db;

/// The device and actor of the doubts the server records.
pub const DOUBT_DEVICE: &str = "server-patrol";
pub const DOUBT_ACTOR: &str = "system";

/// An estate's signing key and the generation of its codes.
#[derive(Clone)]
pub struct CodeKey {
    secret: Vec<u8>,
    pub generation: i64,
}

impl CodeKey {
    /// The MAC a code of this estate, checkpoint and generation carries: the first 16 bytes
    /// of HMAC-SHA256 over `patrol::signed_text`, in hex.
    pub fn mac(&self, estate_id: &str, checkpoint_id: &str, generation: i64) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.secret) else {
            return String::new();
        };
        mac.update(patrol::signed_text(estate_id, checkpoint_id, generation).as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// The current code of a checkpoint.
    pub fn code(&self, estate_id: &str, checkpoint_id: &str) -> String {
        Code {
            estate_id,
            checkpoint_id,
            generation: self.generation,
            mac: &self.mac(estate_id, checkpoint_id, self.generation),
        }
        .text()
    }
}

/// The server's answers for a push's scans: the code verdict by the estate's key.
pub struct CodeCheck<'a, L: arrival::Lookup> {
    pub inner: &'a L,
    pub estate_id: &'a str,
    pub key: Option<CodeKey>,
}

impl<L: arrival::Lookup> arrival::Lookup for CodeCheck<'_, L> {
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
        // An estate that never printed a sheet has no key: no code can be its.
        let Some(key) = &self.key else {
            return Some(Err(Refusal::new(
                "token",
                "this estate has printed no checkpoint codes",
                "本小区尚未打印巡查码",
            )));
        };
        Some(patrol::judge_code(
            self.estate_id,
            checkpoint_id,
            token,
            key.generation,
            |e, c, g| key.mac(e, c, g),
        ))
    }
}

fn json_list<T: serde::de::DeserializeOwned>(
    r: &sqlx::any::AnyRow,
    col: &str,
) -> sqlx::Result<Vec<T>> {
    let text: String = r.try_get(col)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(format!("{col}: {e}").into()))
}

fn to_json<T: serde::Serialize>(v: &T) -> sqlx::Result<String> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

impl Db {
    /// The estate's key, made at first use.
    pub async fn patrol_key(&self, estate_id: &str, now_ms: i64) -> sqlx::Result<CodeKey> {
        if let Some(key) = self.patrol_key_if_any(estate_id).await? {
            return Ok(key);
        }
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        // Two first uses at once: the first insert wins, both read it back.
        sqlx::query(
            "INSERT INTO patrol_secrets (estate_id, secret, generation, updated_ms) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (estate_id) DO NOTHING",
        )
        .bind(estate_id.to_string())
        .bind(hex::encode(secret))
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        self.patrol_key_if_any(estate_id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }

    pub async fn patrol_key_if_any(&self, estate_id: &str) -> sqlx::Result<Option<CodeKey>> {
        let row = sqlx::query("SELECT secret, generation FROM patrol_secrets WHERE estate_id = $1")
            .bind(estate_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let secret: String = r.try_get(0)?;
            Ok(CodeKey {
                secret: hex::decode(secret)
                    .map_err(|e| sqlx::Error::Decode(format!("secret: {e}").into()))?,
                generation: r.try_get(1)?,
            })
        })
        .transpose()
    }

    /// A new generation of codes: every code printed before is revoked.
    pub async fn reissue_patrol_codes(
        &self,
        estate_id: &str,
        now_ms: i64,
    ) -> sqlx::Result<CodeKey> {
        self.patrol_key(estate_id, now_ms).await?;
        sqlx::query(
            "UPDATE patrol_secrets SET generation = generation + 1, updated_ms = $2 WHERE estate_id = $1",
        )
        .bind(estate_id.to_string())
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        self.patrol_key(estate_id, now_ms).await
    }

    /// The estate's checkpoints and routes in force, each checkpoint with its code's digest.
    pub async fn patrol_plan(&self, estate_id: &str, threshold: u32) -> sqlx::Result<PatrolPlan> {
        let key = self.patrol_key_if_any(estate_id).await?;
        let checkpoints = sqlx::query(
            "SELECT id, name, building_id, place, checklist FROM checkpoints \
             WHERE estate_id = $1 AND retired = 0 ORDER BY name, id",
        )
        .bind(estate_id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            let digest = key
                .as_ref()
                .map(|k| patrol::digest(&k.code(estate_id, &id)))
                .unwrap_or_default();
            Ok(Checkpoint {
                name: r.try_get("name")?,
                building_id: r.try_get("building_id")?,
                place: r.try_get("place")?,
                checklist: json_list(r, "checklist")?,
                digest,
                id,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
        let routes = sqlx::query(
            "SELECT id, name, checkpoints, caretakers, weekdays, earliest, latest FROM patrol_routes \
             WHERE estate_id = $1 AND retired = 0 ORDER BY earliest, name, id",
        )
        .bind(estate_id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(Route {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                checkpoints: json_list(r, "checkpoints")?,
                caretakers: json_list(r, "caretakers")?,
                weekdays: json_list(r, "weekdays")?,
                earliest: r.try_get("earliest")?,
                latest: r.try_get("latest")?,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
        Ok(PatrolPlan {
            estate_id: estate_id.to_string(),
            checkpoints,
            routes,
            generation: key.map(|k| k.generation).unwrap_or(0),
            threshold,
        })
    }

    /// Makes or changes a checkpoint (already checked).
    pub async fn put_checkpoint(
        &self,
        estate_id: &str,
        id: &str,
        input: &CheckpointInput,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        let checklist: Vec<String> = input
            .checklist
            .iter()
            .map(|i| i.trim().to_string())
            .collect();
        sqlx::query(
            "INSERT INTO checkpoints (estate_id, id, name, building_id, place, checklist, retired, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7) \
             ON CONFLICT (estate_id, id) DO UPDATE SET name = $3, building_id = $4, place = $5, \
             checklist = $6, retired = 0, updated_ms = $7",
        )
        .bind(estate_id.to_string())
        .bind(id.to_string())
        .bind(input.name.trim().to_string())
        .bind(input.building_id.clone())
        .bind(input.place.trim().to_string())
        .bind(to_json(&checklist)?)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes a checkpoint off the estate (and off its routes); the rounds that named it keep it
    /// in their snapshots. Whether the estate has it (retired now or before).
    pub async fn retire_checkpoint(
        &self,
        estate_id: &str,
        id: &str,
        now_ms: i64,
    ) -> sqlx::Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE checkpoints SET retired = 1, updated_ms = $3 WHERE estate_id = $1 AND id = $2",
        )
        .bind(estate_id.to_string())
        .bind(id.to_string())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        let routes = sqlx::query("SELECT id, checkpoints FROM patrol_routes WHERE estate_id = $1")
            .bind(estate_id.to_string())
            .fetch_all(&mut *tx)
            .await?;
        for r in routes {
            let route: String = r.try_get(0)?;
            let mut list: Vec<String> = json_list(&r, "checkpoints")?;
            let before = list.len();
            list.retain(|c| c != id);
            if list.len() != before {
                sqlx::query(
                    "UPDATE patrol_routes SET checkpoints = $3, updated_ms = $4 WHERE estate_id = $1 AND id = $2",
                )
                .bind(estate_id.to_string())
                .bind(route)
                .bind(to_json(&list)?)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(done)
    }

    pub async fn put_route(
        &self,
        estate_id: &str,
        id: &str,
        input: &RouteInput,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        let mut weekdays = input.weekdays.clone();
        weekdays.sort_unstable();
        weekdays.dedup();
        sqlx::query(
            "INSERT INTO patrol_routes (estate_id, id, name, checkpoints, caretakers, weekdays, earliest, latest, retired, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9) \
             ON CONFLICT (estate_id, id) DO UPDATE SET name = $3, checkpoints = $4, caretakers = $5, \
             weekdays = $6, earliest = $7, latest = $8, retired = 0, updated_ms = $9",
        )
        .bind(estate_id.to_string())
        .bind(id.to_string())
        .bind(input.name.trim().to_string())
        .bind(to_json(&input.checkpoints)?)
        .bind(to_json(&input.caretakers)?)
        .bind(to_json(&weekdays)?)
        .bind(input.earliest.clone())
        .bind(input.latest.clone())
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn retire_route(&self, estate_id: &str, id: &str, now_ms: i64) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "UPDATE patrol_routes SET retired = 1, updated_ms = $3 WHERE estate_id = $1 AND id = $2",
        )
        .bind(estate_id.to_string())
        .bind(id.to_string())
        .bind(now_ms)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    /// The active staff given this estate, who may be assigned a route.
    pub async fn staff_of_estate(&self, estate_id: &str) -> sqlx::Result<Vec<String>> {
        sqlx::query(
            "SELECT s.id FROM staff s JOIN staff_estates se ON se.staff_id = s.id \
             WHERE se.estate_id = $1 AND s.disabled = 0",
        )
        .bind(estate_id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect()
    }

    /// How many checkpoints and routes the estate has in force.
    pub async fn patrol_counts(&self, estate_id: &str) -> sqlx::Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM checkpoints WHERE estate_id = $1 AND retired = 0), \
             (SELECT COUNT(*) FROM patrol_routes WHERE estate_id = $1 AND retired = 0)",
        )
        .bind(estate_id.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Records, on each round whose scans a push stored, that the pushing tablet's clock was
    /// `skew_ms` from the server's: the scans stay, flagged (`patrol::Flag::Clock`).
    pub async fn record_clock_doubts(
        &self,
        estate_id: &str,
        scans: &[&Event],
        skew_ms: i64,
        now: chrono::DateTime<chrono::FixedOffset>,
    ) -> sqlx::Result<()> {
        if scans.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        let mut clock = anju_shared::hlc::Clock::default();
        for scan in scans {
            let seq: i64 =
                sqlx::query("UPDATE estates SET seq = seq + 1 WHERE id = $1 RETURNING seq")
                    .bind(estate_id.to_string())
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
            let event = Event {
                id: uuid::Uuid::now_v7().to_string(),
                subject: Subject::round(scan.subject.id.clone()),
                device_id: DOUBT_DEVICE.to_string(),
                device_seq: u64::try_from(seq).unwrap_or_default(),
                hlc: clock.tick(u64::try_from(now.timestamp_millis()).unwrap_or(0)),
                actor: DOUBT_ACTOR.to_string(),
                at: now,
                body: EventBody::Round(RoundStep::Doubted {
                    event_id: scan.id.clone(),
                    skew_ms,
                }),
                seq: None,
            };
            crate::db::insert_event(&mut tx, estate_id, seq, &event).await?;
        }
        tx.commit().await
    }
}

/// Whether an event is a scan that carries a code (QR or NFC).
pub fn carries_code(e: &Event) -> bool {
    matches!(&e.body, EventBody::Round(RoundStep::Scanned { token, .. }) if !token.is_empty())
}

/// After a push: when the device's clock (its sync header) is more than
/// `patrol::CLOCK_DOUBT_MS` from the server's, records a doubt on each scan the push stored.
pub async fn doubt_clock(
    db: &Db,
    estate_id: &str,
    pushed: &[Event],
    outcomes: &[anju_shared::sync::Outcome],
    headers: &axum::http::HeaderMap,
    now_ms: i64,
) -> sqlx::Result<()> {
    let Some(device_ms) = headers
        .get(anju_shared::sync::DEVICE_TIME_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
    else {
        return Ok(());
    };
    let skew = device_ms.saturating_sub(now_ms);
    if skew.abs() <= patrol::CLOCK_DOUBT_MS {
        return Ok(());
    }
    let scans: Vec<&Event> = pushed
        .iter()
        .zip(outcomes)
        .filter(|(e, o)| {
            matches!(o, anju_shared::sync::Outcome::Stored { .. })
                && matches!(e.body, EventBody::Round(RoundStep::Scanned { .. }))
        })
        .map(|(e, _)| e)
        .collect();
    let now = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .fixed_offset();
    db.record_clock_doubts(estate_id, &scans, skew, now).await
}

/// A QR drawing of a code, as SVG for the print sheet.
pub fn qr_svg(token: &str) -> String {
    match qrcode::QrCode::new(token.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(180, 180)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}
