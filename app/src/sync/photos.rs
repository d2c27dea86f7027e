//! The photo queue: a photo taken on the tablet is checked by `shared::photo`, named by the
//! SHA-256 of its bytes and kept in IndexedDB before any event names it, so a finding or a
//! note with a photo is recorded offline like anything else. Each sync run uploads the queue
//! before it pushes, so the server holds every photo a pushed event names; until then the
//! tablet shows its own copy.

use anju_shared::photo;
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::{Engine, Failure};
use crate::api::{self, ApiFailure, Me, StoredPhoto};
use crate::store::{QueuedPhoto, Store};

impl Engine {
    /// Keeps a photo file (from the camera or the gallery) for upload; its name, for the
    /// event that carries it, or why it is not taken (naming the field).
    pub(crate) async fn keep_photo_file(self, file: web_sys::File) -> Result<String, String> {
        let lang = crate::i18n::current();
        let unreadable = || {
            lang.pick("照片:无法读取文件", "photo: the file cannot be read")
                .to_string()
        };
        let buffer = JsFuture::from(file.array_buffer())
            .await
            .map_err(|_| unreadable())?;
        self.keep_photo(js_sys::Uint8Array::new(&buffer)).await
    }

    /// Keeps bytes made or read on the device as a photo for upload; its name.
    pub(crate) async fn keep_photo(self, bytes: js_sys::Uint8Array) -> Result<String, String> {
        let lang = crate::i18n::current();
        let raw = bytes.to_vec();
        photo::check(&raw).map_err(|r| r.message(lang))?;
        let (Some(store), Some(me), Some(estate)) = (
            self.store.get_value(),
            self.me.get_untracked(),
            self.estate(),
        ) else {
            return Err(lang.pick("本机尚未就绪", "The device is not ready").into());
        };
        let queued = QueuedPhoto {
            estate: estate.id,
            actor: me.id,
            hash: photo::name(&raw),
            bytes,
            refused: None,
        };
        store.queue_photo(&queued).await?;
        self.show_local(&queued);
        self.count_photos(&store, &queued.actor).await;
        Ok(queued.hash)
    }

    /// The tablet's own copy of a photo still waiting for its upload, as an address an
    /// `<img>` can show (the server's address answers only once it is uploaded).
    fn show_local(self, photo: &QueuedPhoto) {
        if self
            .local_photos
            .with_untracked(|m| m.contains_key(&photo.hash))
        {
            return;
        }
        let parts = js_sys::Array::of1(&photo.bytes);
        if let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence(&parts)
            && let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob)
        {
            self.local_photos
                .update(|m| drop(m.insert(photo.hash.clone(), url)));
        }
    }

    /// Counts the user's queued photos for the badge (and shows each from the device).
    pub(super) async fn count_photos(self, store: &Store, actor: &str) {
        let Ok(queued) = store.queued_photos(actor).await else {
            return;
        };
        for p in &queued {
            self.show_local(p);
        }
        let refused = queued.iter().filter(|p| p.refused.is_some()).count();
        self.state.update(|s| {
            s.photos = queued.len() - refused;
            s.photos_refused = refused;
        });
    }

    /// Uploads every photo the user took on this device, in any of their estates, before
    /// the run pushes the events that name them. A photo the server refuses (not an image
    /// after all, an estate no longer theirs) is kept with the reason, not sent again; its
    /// event is then refused in turn and shown with the refused ones.
    pub(super) async fn send_photos(self, store: &Store, me: &Me) -> Result<(), Failure> {
        let queued = store.queued_photos(&me.id).await?;
        if queued.iter().all(|p| p.refused.is_some()) {
            return Ok(());
        }
        for p in queued.into_iter().filter(|p| p.refused.is_none()) {
            let url = format!("/api/estates/{}/photos", p.estate);
            match api::upload_bytes::<StoredPhoto>(&url, p.bytes.clone().into()).await {
                Ok(_) => store.photo_sent(&p).await?,
                Err(ApiFailure::Status(401, _)) => {
                    self.session_lost.set(true);
                    return Err(Failure::Session);
                }
                // Busy or failing servers are asked again later; anything else about the
                // request itself would be answered the same way again.
                Err(ApiFailure::Status(code, body))
                    if (400..500).contains(&code) && code != 408 && code != 429 =>
                {
                    store.photo_refused(&p, &body.error).await?;
                }
                Err(e) => return Err(e.into()),
            }
            self.count_photos(store, &me.id).await;
        }
        Ok(())
    }
}
