//! The device's own database (IndexedDB): every event it knows, the outbox of events it made
//! and has not yet had acknowledged, the events the server refused (with the reason), and a
//! little metadata (device id, next `device_seq`, the hybrid logical clock, pull cursors, the
//! logged-in user, the cached site plan), and the photos taken on the device that wait for
//! their upload (their events name them from the start). A user's action is one strict-durability transaction,
//! so an event the app says it recorded survives a crash or a flat battery.
//!
//! Values are JSON text inside a small object `{estate, json[, reason]}`: serde_json is already
//! in the app, and a serde↔JS bridge would cost the wasm more than parsing text does.

use anju_shared::hlc::{Clock, Hlc};
use anju_shared::order::{Event, EventBody, redact_erased};
use anju_shared::subject::Subject;
use anju_shared::sync::{Outcome, SyncResponse};
use chrono::{FixedOffset, TimeZone, Utc};
use idb::{DatabaseEvent, Factory, ObjectStore, ObjectStoreParams, Query, Transaction};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

const DB_NAME: &str = "anju";
/// 2 added the photo queue; an upgrade creates the stores that are missing.
const DB_VERSION: u32 = 2;
/// Every known event of every estate the device has worked in, by event id.
const EVENTS: &str = "events";
/// Local events not yet acknowledged by the server, by `device_seq` (so in the order made).
const OUTBOX: &str = "outbox";
/// Events the server refused, by event id, with its reason: kept, never dropped.
const REJECTED: &str = "rejected";
/// Small values by name (see the `META_*` keys and `cursor_key`). A value about one estate
/// is named `kind:estate` (`cursor:est-cuihu`, `site:est-cuihu`, …) and no other name has a
/// colon, so an estate's values can be found without a list of kinds.
const META: &str = "meta";
/// Photos taken on the device and not yet uploaded, by `estate/hash`: `{estate, actor, hash,
/// bytes[, refused]}`. A photo leaves only once the server has stored it; one the server
/// refused stays, with the reason, and is not sent again.
const PHOTOS: &str = "photos";

const META_DEVICE: &str = "device_id";
const META_NEXT_SEQ: &str = "next_seq";
const META_CLOCK: &str = "clock";
/// The `/api/me` answer of the last login, so an offline reload knows who is working.
pub(crate) const META_ME: &str = "me";

fn cursor_key(estate: &str) -> String {
    format!("cursor:{estate}")
}

/// When the estate last synced (ms), so an offline reload can still say how fresh its data is.
fn synced_key(estate: &str) -> String {
    format!("synced:{estate}")
}

#[wasm_bindgen]
extern "C" {
    /// `IDBDatabase`, for `transaction(names, mode, {durability})`: web-sys keeps that
    /// options argument behind its unstable-API flag, and idb 0.6 does not pass it.
    type RawDb;
    #[wasm_bindgen(method, catch, js_name = transaction)]
    fn transaction_with(
        this: &RawDb,
        stores: &js_sys::Array,
        mode: &str,
        options: &js_sys::Object,
    ) -> Result<web_sys::IdbTransaction, JsValue>;
}

/// Why the database could not do what was asked; shown to the user as is.
pub(crate) type StoreError = String;

/// idb's own messages are not kept: formatting them would cost the wasm more than they tell
/// a caretaker.
fn idb_err(_: idb::Error) -> StoreError {
    "IndexedDB".into()
}

fn js_err(e: JsValue) -> StoreError {
    e.as_string()
        .or_else(|| {
            js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| "IndexedDB".into())
}

/// A refused event and the server's reason.
#[derive(Clone, PartialEq)]
pub(crate) struct Rejected {
    pub(crate) event: Event,
    pub(crate) reason: String,
}

/// A photo taken on the device, named by the SHA-256 of its bytes as taken.
#[derive(Clone)]
pub(crate) struct QueuedPhoto {
    pub(crate) estate: String,
    pub(crate) actor: String,
    pub(crate) hash: String,
    pub(crate) bytes: js_sys::Uint8Array,
    /// The server's reason, when it refused the photo.
    pub(crate) refused: Option<String>,
}

impl QueuedPhoto {
    fn key(&self) -> String {
        format!("{}/{}", self.estate, self.hash)
    }
}

/// The open database and this device's id. Cheap to clone (a handle).
#[derive(Clone)]
pub(crate) struct Store {
    db: web_sys::IdbDatabase,
    pub(crate) device_id: String,
}

/// `{estate, json}`, the stored form of an event.
fn record(estate: &str, event: &Event) -> JsValue {
    let obj = js_sys::Object::new();
    let json = serde_json::to_string(event).unwrap_or_default();
    let _ = js_sys::Reflect::set(&obj, &"estate".into(), &estate.into());
    let _ = js_sys::Reflect::set(&obj, &"json".into(), &json.into());
    obj.into()
}

fn field(value: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(value, &name.into())
        .ok()
        .and_then(|v| v.as_string())
}

/// The event in a stored record, when it is of `estate`.
fn read_record(value: &JsValue, estate: &str) -> Option<Event> {
    if field(value, "estate").as_deref() != Some(estate) {
        return None;
    }
    serde_json::from_str(&field(value, "json")?).ok()
}

async fn get(store: &ObjectStore, key: &str) -> Result<Option<JsValue>, StoreError> {
    store
        .get(Query::from(JsValue::from_str(key)))
        .map_err(idb_err)?
        .await
        .map_err(idb_err)
}

async fn put(store: &ObjectStore, key: &JsValue, value: &JsValue) -> Result<(), StoreError> {
    store
        .put(value, Some(key))
        .map_err(idb_err)?
        .await
        .map_err(idb_err)?;
    Ok(())
}

async fn delete(store: &ObjectStore, key: JsValue) -> Result<(), StoreError> {
    store
        .delete(Query::from(key))
        .map_err(idb_err)?
        .await
        .map_err(idb_err)
}

async fn get_all(store: &ObjectStore) -> Result<Vec<JsValue>, StoreError> {
    store
        .get_all(None, None)
        .map_err(idb_err)?
        .await
        .map_err(idb_err)
}

/// Commits and waits until the data is on disk (strict durability) or the transaction failed.
async fn finish(tx: Transaction) -> Result<(), StoreError> {
    let result = tx.commit().map_err(idb_err)?.await.map_err(idb_err)?;
    if result.is_committed() {
        Ok(())
    } else {
        Err("IndexedDB: transaction aborted".into())
    }
}

/// Random bytes from the browser's CSPRNG (`crypto.getRandomValues`, which unlike
/// `randomUUID` also works outside secure contexts, e.g. on a LAN address over http).
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Never all zeros: ids must not collide even on a browser without Web Crypto.
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}

fn uuid_text(b: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        s.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    s
}

/// A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids sort roughly
/// by creation. Made by hand: the uuid crate's v7 support would cost the wasm more.
pub(crate) fn uuid_v7(now_ms: i64) -> String {
    let mut b: [u8; 16] = random_bytes();
    let ms = (now_ms.max(0) as u64).to_be_bytes();
    b[..6].copy_from_slice(&ms[2..]);
    b[6] = 0x70 | (b[6] & 0x0f);
    b[8] = 0x80 | (b[8] & 0x3f);
    uuid_text(&b)
}

/// A random UUIDv4, for the device id.
fn uuid_v4() -> String {
    let mut b: [u8; 16] = random_bytes();
    b[6] = 0x40 | (b[6] & 0x0f);
    b[8] = 0x80 | (b[8] & 0x3f);
    uuid_text(&b)
}

fn number(value: Option<JsValue>) -> Option<f64> {
    value.and_then(|v| v.as_f64())
}

fn clock_of(value: Option<JsValue>) -> Clock {
    Clock {
        last: value
            .and_then(|v| v.as_string())
            .and_then(|s| Hlc::parse(&s))
            .unwrap_or_default(),
    }
}

/// A local action to record: where, by whom, about what subject, what, and when.
pub(crate) struct Action<'a> {
    pub(crate) estate: &'a str,
    pub(crate) actor: &'a str,
    pub(crate) offset: FixedOffset,
    pub(crate) subject: Subject,
    pub(crate) body: EventBody,
    pub(crate) now_ms: i64,
}

impl Store {
    /// Opens (creating on first start) the database and makes sure the device has its id.
    pub(crate) async fn open() -> Result<Store, StoreError> {
        let factory = Factory::new().map_err(idb_err)?;
        let mut request = factory.open(DB_NAME, Some(DB_VERSION)).map_err(idb_err)?;
        request.on_upgrade_needed(|event| {
            if let Ok(db) = event.database() {
                for name in [EVENTS, OUTBOX, REJECTED, META, PHOTOS] {
                    // Out-of-line keys: the key is given with each put.
                    let _ = db.create_object_store(name, ObjectStoreParams::new());
                }
            }
        });
        let db: web_sys::IdbDatabase = request.await.map_err(idb_err)?.into();
        let mut store = Store {
            db,
            device_id: String::new(),
        };
        // In a write transaction, so two tabs opening at once agree on one id.
        let tx = store.tx(&[META], true)?;
        let meta = tx.object_store(META).map_err(idb_err)?;
        store.device_id = match get(&meta, META_DEVICE).await?.and_then(|v| v.as_string()) {
            Some(id) => id,
            None => {
                let id = uuid_v4();
                put(&meta, &META_DEVICE.into(), &id.as_str().into()).await?;
                put(&meta, &META_NEXT_SEQ.into(), &1.into()).await?;
                id
            }
        };
        finish(tx).await?;
        Ok(store)
    }

    fn tx(&self, stores: &[&str], write: bool) -> Result<Transaction, StoreError> {
        let names: js_sys::Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
        let options = js_sys::Object::new();
        if write {
            // "strict": the commit is reported only once the data is flushed to disk.
            js_sys::Reflect::set(&options, &"durability".into(), &"strict".into())
                .map_err(js_err)?;
        }
        let raw = self
            .db
            .unchecked_ref::<RawDb>()
            .transaction_with(
                &names,
                if write { "readwrite" } else { "readonly" },
                &options,
            )
            .map_err(js_err)?;
        Ok(Transaction::from(raw))
    }

    /// Records a new local event: stamps it (id, `device_seq`, clock) and stores it in the
    /// events and the outbox, with the counters, in one transaction. Read-modify-write inside
    /// the transaction, so two actions at once (or two tabs) never share a `device_seq`.
    pub(crate) async fn record(
        &self,
        action: Action<'_>,
        check: impl FnOnce(&Event) -> Result<(), String>,
    ) -> Result<Event, StoreError> {
        let Action {
            estate,
            actor,
            offset,
            subject,
            body,
            now_ms,
        } = action;
        let tx = self.tx(&[EVENTS, OUTBOX, META], true)?;
        let meta = tx.object_store(META).map_err(idb_err)?;
        let device_seq = number(get(&meta, META_NEXT_SEQ).await?).unwrap_or(1.0) as u64;
        let mut clock = clock_of(get(&meta, META_CLOCK).await?);
        let hlc = clock.tick(now_ms.max(0) as u64);
        let at = Utc
            .timestamp_millis_opt(now_ms)
            .single()
            .unwrap_or_default()
            .with_timezone(&offset);
        let event = Event {
            id: uuid_v7(now_ms),
            subject,
            device_id: self.device_id.clone(),
            device_seq,
            hlc,
            actor: actor.to_string(),
            at,
            body,
            seq: None,
        };
        // The server's own arrival check, before anything is written: what it would refuse is
        // not kept offline (the transaction ends without a write, the counter unused).
        check(&event)?;
        let value = record(estate, &event);
        let events = tx.object_store(EVENTS).map_err(idb_err)?;
        put(&events, &event.id.as_str().into(), &value).await?;
        let outbox = tx.object_store(OUTBOX).map_err(idb_err)?;
        put(&outbox, &(device_seq as f64).into(), &value).await?;
        put(
            &meta,
            &META_NEXT_SEQ.into(),
            &((device_seq + 1) as f64).into(),
        )
        .await?;
        put(&meta, &META_CLOCK.into(), &hlc.to_string().into()).await?;
        finish(tx).await?;
        Ok(event)
    }

    /// The estate's events as stored, and the reference numbers of its orders (order id →
    /// reference) as the server gave them with the reports.
    pub(crate) async fn events(
        &self,
        estate: &str,
    ) -> Result<(Vec<Event>, Vec<(String, String)>), StoreError> {
        let tx = self.tx(&[EVENTS], false)?;
        let all = get_all(&tx.object_store(EVENTS).map_err(idb_err)?).await?;
        let mut references = Vec::new();
        let events = all
            .iter()
            .filter_map(|v| {
                let e = read_record(v, estate)?;
                if let Some(r) = field(v, "reference") {
                    references.push((e.order_id().to_string(), r));
                }
                Some(e)
            })
            .collect();
        Ok((events, references))
    }

    /// The estate's unsent events, oldest first (`device_seq` order).
    pub(crate) async fn outbox(&self, estate: &str) -> Result<Vec<Event>, StoreError> {
        let tx = self.tx(&[OUTBOX], false)?;
        let all = get_all(&tx.object_store(OUTBOX).map_err(idb_err)?).await?;
        Ok(all.iter().filter_map(|v| read_record(v, estate)).collect())
    }

    /// The estates with events waiting to be sent by `actor`, from one read of the outbox.
    pub(crate) async fn estates_with_outbox(&self, actor: &str) -> Result<Vec<String>, StoreError> {
        let tx = self.tx(&[OUTBOX], false)?;
        let all = get_all(&tx.object_store(OUTBOX).map_err(idb_err)?).await?;
        let mut estates: Vec<String> = all
            .iter()
            .filter_map(|v| {
                let estate = field(v, "estate")?;
                let event: Event = serde_json::from_str(&field(v, "json")?).ok()?;
                (event.actor == actor).then_some(estate)
            })
            .collect();
        estates.sort_unstable();
        estates.dedup();
        Ok(estates)
    }

    /// The estate's refused events with their reasons.
    pub(crate) async fn rejected(&self, estate: &str) -> Result<Vec<Rejected>, StoreError> {
        let tx = self.tx(&[REJECTED], false)?;
        let all = get_all(&tx.object_store(REJECTED).map_err(idb_err)?).await?;
        Ok(all
            .iter()
            .filter_map(|v| {
                Some(Rejected {
                    event: read_record(v, estate)?,
                    reason: field(v, "reason").unwrap_or_default(),
                })
            })
            .collect())
    }

    /// The last estate sequence number pulled; 0 for none.
    pub(crate) async fn cursor(&self, estate: &str) -> Result<i64, StoreError> {
        let tx = self.tx(&[META], false)?;
        let meta = tx.object_store(META).map_err(idb_err)?;
        Ok(number(get(&meta, &cursor_key(estate)).await?).unwrap_or(0.0) as i64)
    }

    /// When the estate last synced, in ms, if ever.
    pub(crate) async fn last_sync(&self, estate: &str) -> Result<Option<i64>, StoreError> {
        let tx = self.tx(&[META], false)?;
        let meta = tx.object_store(META).map_err(idb_err)?;
        Ok(number(get(&meta, &synced_key(estate)).await?).map(|ms| ms as i64))
    }

    /// Forgets what the device pulled and cached for its users — every estate's events (with
    /// the residents' reports in them), cursors, site plans, household and staff lists, and
    /// who was logged in — in one transaction. Kept: the device's identity and counters, its
    /// own events not yet acknowledged (the outbox: never lost, sent when their author logs
    /// in here again) and the refused ones with their reasons.
    pub(crate) async fn forget_pulled(&self) -> Result<(), StoreError> {
        let tx = self.tx(&[EVENTS, META], true)?;
        tx.object_store(EVENTS)
            .map_err(idb_err)?
            .clear()
            .map_err(idb_err)?
            .await
            .map_err(idb_err)?;
        let meta = tx.object_store(META).map_err(idb_err)?;
        let keys = meta
            .get_all_keys(None, None)
            .map_err(idb_err)?
            .await
            .map_err(idb_err)?;
        for key in keys {
            let name = key.as_string().unwrap_or_default();
            if !matches!(name.as_str(), META_DEVICE | META_NEXT_SEQ | META_CLOCK) {
                delete(&meta, key).await?;
            }
        }
        finish(tx).await
    }

    /// Forgets what the device pulled of the estates not in `keep` (an estate taken from its
    /// user by an administrator): their events, cursors and cached lists. The outbox and the
    /// refused events stay, as in `forget_pulled`.
    pub(crate) async fn forget_estates_except(&self, keep: &[String]) -> Result<(), StoreError> {
        let kept = |estate: &str| keep.iter().any(|k| k == estate);
        let tx = self.tx(&[EVENTS, META], true)?;
        let events = tx.object_store(EVENTS).map_err(idb_err)?;
        // Keys and values come in the same (key) order.
        let keys = events
            .get_all_keys(None, None)
            .map_err(idb_err)?
            .await
            .map_err(idb_err)?;
        let values = get_all(&events).await?;
        for (key, value) in keys.into_iter().zip(values) {
            if !field(&value, "estate").is_some_and(|e| kept(&e)) {
                delete(&events, key).await?;
            }
        }
        let meta = tx.object_store(META).map_err(idb_err)?;
        let keys = meta
            .get_all_keys(None, None)
            .map_err(idb_err)?
            .await
            .map_err(idb_err)?;
        for key in keys {
            let name = key.as_string().unwrap_or_default();
            // `kind:estate` is the shape of every per-estate key (see `META`).
            if name
                .split_once(':')
                .is_some_and(|(_, estate)| !kept(estate))
            {
                delete(&meta, key).await?;
            }
        }
        finish(tx).await
    }

    /// Keeps a photo taken on the device until it is uploaded, in one strict transaction:
    /// once this returns, an event may name it.
    pub(crate) async fn queue_photo(&self, photo: &QueuedPhoto) -> Result<(), StoreError> {
        let tx = self.tx(&[PHOTOS], true)?;
        let photos = tx.object_store(PHOTOS).map_err(idb_err)?;
        let obj = js_sys::Object::new();
        for (name, value) in [
            ("estate", JsValue::from_str(&photo.estate)),
            ("actor", JsValue::from_str(&photo.actor)),
            ("hash", JsValue::from_str(&photo.hash)),
            ("bytes", photo.bytes.clone().into()),
        ] {
            js_sys::Reflect::set(&obj, &name.into(), &value).map_err(js_err)?;
        }
        put(&photos, &photo.key().into(), &obj.into()).await?;
        finish(tx).await
    }

    /// The photos `actor` took on this device that wait for their upload (or were refused).
    pub(crate) async fn queued_photos(&self, actor: &str) -> Result<Vec<QueuedPhoto>, StoreError> {
        let tx = self.tx(&[PHOTOS], false)?;
        let all = get_all(&tx.object_store(PHOTOS).map_err(idb_err)?).await?;
        Ok(all
            .iter()
            .filter(|v| field(v, "actor").as_deref() == Some(actor))
            .filter_map(|v| {
                Some(QueuedPhoto {
                    estate: field(v, "estate")?,
                    actor: field(v, "actor")?,
                    hash: field(v, "hash")?,
                    bytes: js_sys::Reflect::get(v, &"bytes".into())
                        .ok()?
                        .dyn_into()
                        .ok()?,
                    refused: field(v, "refused"),
                })
            })
            .collect())
    }

    /// The photo is stored on the server: it leaves the device's queue.
    pub(crate) async fn photo_sent(&self, photo: &QueuedPhoto) -> Result<(), StoreError> {
        let tx = self.tx(&[PHOTOS], true)?;
        delete(
            &tx.object_store(PHOTOS).map_err(idb_err)?,
            photo.key().into(),
        )
        .await?;
        finish(tx).await
    }

    /// The server refused the photo (not an image, too large): kept with the reason, not
    /// sent again.
    pub(crate) async fn photo_refused(
        &self,
        photo: &QueuedPhoto,
        reason: &str,
    ) -> Result<(), StoreError> {
        let tx = self.tx(&[PHOTOS], true)?;
        let photos = tx.object_store(PHOTOS).map_err(idb_err)?;
        if let Some(value) = get(&photos, &photo.key()).await? {
            js_sys::Reflect::set(&value, &"refused".into(), &reason.into()).map_err(js_err)?;
            put(&photos, &photo.key().into(), &value).await?;
        }
        finish(tx).await
    }

    /// A metadata value stored as text (JSON), if any.
    pub(crate) async fn meta_text(&self, key: &str) -> Result<Option<String>, StoreError> {
        let tx = self.tx(&[META], false)?;
        let meta = tx.object_store(META).map_err(idb_err)?;
        Ok(get(&meta, key).await?.and_then(|v| v.as_string()))
    }

    pub(crate) async fn set_meta_text(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let tx = self.tx(&[META], true)?;
        let meta = tx.object_store(META).map_err(idb_err)?;
        put(&meta, &key.into(), &value.into()).await?;
        finish(tx).await
    }

    /// Removes a metadata value (a report's contact, once the server has it).
    pub(crate) async fn delete_meta(&self, key: &str) -> Result<(), StoreError> {
        let tx = self.tx(&[META], true)?;
        let meta = tx.object_store(META).map_err(idb_err)?;
        delete(&meta, key.into()).await?;
        finish(tx).await
    }

    /// Takes in one sync answer in one transaction: acknowledged events leave the outbox
    /// (and get their sequence number), refused ones move to the rejected store, pulled ones
    /// are stored, the cursor advances, the clock observes every stamp it saw and the sync
    /// time is noted. Returns the events to show (pulled and acknowledged) and the ids of the
    /// refused ones.
    pub(crate) async fn apply(
        &self,
        estate: &str,
        pushed: &[Event],
        answer: &SyncResponse,
        now_ms: i64,
    ) -> Result<(Vec<Event>, Vec<String>), StoreError> {
        let tx = self.tx(&[EVENTS, OUTBOX, REJECTED, META], true)?;
        let events = tx.object_store(EVENTS).map_err(idb_err)?;
        let outbox = tx.object_store(OUTBOX).map_err(idb_err)?;
        let rejected = tx.object_store(REJECTED).map_err(idb_err)?;
        let meta = tx.object_store(META).map_err(idb_err)?;
        let mut changed = Vec::new();
        let mut refused = Vec::new();
        for ack in &answer.acks {
            let Some(event) = pushed.iter().find(|e| e.id == ack.id) else {
                continue;
            };
            delete(&outbox, (ack.device_seq as f64).into()).await?;
            match &ack.outcome {
                Outcome::Stored { seq } | Outcome::Duplicate { seq } => {
                    let mut stored = event.clone();
                    stored.seq = Some(*seq);
                    put(
                        &events,
                        &stored.id.as_str().into(),
                        &record(estate, &stored),
                    )
                    .await?;
                    changed.push(stored);
                }
                Outcome::Rejected { reason, reason_zh } => {
                    // Out of the events (it must not count in the order's state), into the
                    // rejected store with the reason, so the user sees it and nothing is lost;
                    // in Chinese when the user reads Chinese and the server said it.
                    delete(&events, event.id.as_str().into()).await?;
                    let value = record(estate, event);
                    let reason = if reason_zh.is_empty()
                        || crate::i18n::current() != anju_shared::lang::Lang::Zh
                    {
                        reason
                    } else {
                        reason_zh
                    };
                    let _ = js_sys::Reflect::set(&value, &"reason".into(), &reason.into());
                    put(&rejected, &event.id.as_str().into(), &value).await?;
                    refused.push(event.id.clone());
                }
            }
        }
        let mut clock = clock_of(get(&meta, META_CLOCK).await?);
        // A page's writes are all issued at once and only the commit is awaited: waiting for
        // each put in turn costs a trip through the browser's event loop per event, which
        // made a tablet's first sync of 10,000 events take seconds. A failed put aborts the
        // transaction, and `finish` reports it.
        for event in &answer.events {
            clock.observe(event.hlc, now_ms.max(0) as u64);
            let value = record(estate, event);
            // A report carries its order's reference number beside it, for the lists.
            if let Some(r) = answer.references.iter().find(|r| {
                r.order_id == event.order_id() && matches!(event.body, EventBody::Reported(_))
            }) {
                let _ =
                    js_sys::Reflect::set(&value, &"reference".into(), &r.reference.as_str().into());
            }
            events
                .put(&value, Some(&event.id.as_str().into()))
                .map_err(idb_err)?;
        }
        changed.extend(answer.events.iter().cloned());
        // A resident's data erased on the server (PIPL): the device's copies of their reports
        // are redacted in the same transaction, not just hidden by the fold.
        let erasures: Vec<Event> = answer
            .events
            .iter()
            .filter(|e| matches!(e.body, EventBody::Erased))
            .cloned()
            .collect();
        if !erasures.is_empty() {
            let mut affected: Vec<Event> = get_all(&events)
                .await?
                .iter()
                .filter_map(|v| read_record(v, estate))
                .filter(|e| erasures.iter().any(|x| x.order_id() == e.order_id()))
                .collect();
            affected.extend(erasures);
            let redacted = redact_erased(&mut affected);
            for e in affected.into_iter().filter(|e| redacted.contains(&e.id)) {
                put(&events, &e.id.as_str().into(), &record(estate, &e)).await?;
                changed.push(e);
            }
        }
        put(&meta, &META_CLOCK.into(), &clock.last.to_string().into()).await?;
        put(
            &meta,
            &cursor_key(estate).into(),
            &(answer.cursor as f64).into(),
        )
        .await?;
        put(&meta, &synced_key(estate).into(), &(now_ms as f64).into()).await?;
        finish(tx).await?;
        Ok((changed, refused))
    }
}
