//! Fuzzes what a device sends to `/api/sync`: any bytes are either refused by the decoder or
//! decode to events whose folds (orders, households, rounds) never panic, whatever their order, repeats or stamps; every
//! event the arrival check accepts reads back from its stored form exactly as it was sent.
#![no_main]

use anju_server::db::StoredEvent;
use anju_shared::arrival::{self, Pusher, Unknown};
use anju_shared::model::Role;
use anju_shared::coverage::visits;
use anju_shared::order::{fold, order_ids, redact_erased};
use anju_shared::patrol::{fold_round, round_ids};
use anju_shared::sync::SyncRequest;
use libfuzzer_sys::fuzz_target;

/// The receiver's clock: fixed, so a crash reproduces (2026-03-10T10:50:00Z).
const NOW_MS: i64 = 1_773_139_800_000;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<SyncRequest>(data) else {
        return;
    };
    let mut events = request.push;
    // Every subject kind's fold: orders, households (visits), patrol rounds.
    for id in order_ids(&events) {
        let _ = fold(&id, &events);
    }
    let _ = visits(&events);
    for id in round_ids(&events) {
        if let Some(round) = fold_round(&id, &events) {
            let _ = (round.missed(), round.compliance());
        }
    }
    for e in &events {
        let pusher = Pusher {
            device_id: &e.device_id,
            actor: &e.actor,
            role: Role::ProjectManager,
        };
        if arrival::check(e, &pusher, NOW_MS, &Unknown).is_ok() {
            let row = StoredEvent::of(e).expect("an accepted event encodes");
            let back = row.decode(1).expect("an accepted event reads back");
            assert_eq!(back.seq, Some(1));
            assert!(StoredEvent::round_trips(e), "accepted but not read back identical");
        }
    }
    redact_erased(&mut events);
    // What the server stores it must be able to send back.
    let _ = serde_json::to_vec(&events);
});
