//! Fuzzes what a device sends to `/api/sync`: any bytes are either refused by the decoder or
//! decode to events whose fold never panics, whatever their order, repeats or stamps.
#![no_main]

use anju_shared::order::{fold, order_ids, redact_erased};
use anju_shared::sync::SyncRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<SyncRequest>(data) else {
        return;
    };
    let mut events = request.push;
    for id in order_ids(&events) {
        let _ = fold(&id, &events);
    }
    redact_erased(&mut events);
    // What the server stores it must be able to send back.
    let _ = serde_json::to_vec(&events);
});
