//! The browser's clock, read here and only here: the rules in `anju_shared` take `now` as an
//! argument, and the pages pass them this.

use leptos::prelude::*;

/// A signal of the current time in ms that ticks every second while the calling component
/// lives, for live countdowns.
pub(crate) fn ticking_now_ms() -> ReadSignal<i64> {
    let (now_ms, set_now_ms) = signal(js_sys::Date::now() as i64);
    if let Ok(handle) = set_interval_with_handle(
        move || set_now_ms.set(js_sys::Date::now() as i64),
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    now_ms
}
