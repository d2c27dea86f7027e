//! The browser's clock, read here and only here: the rules in `anju_shared` take `now` as an
//! argument, and the pages pass them this. Also the few hand-made time formats the app shows
//! (chrono's strftime machinery costs the wasm more than it saves).

use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use leptos::prelude::*;

/// The current time in ms since the epoch.
pub(crate) fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A signal of the current time in ms that ticks every second while the calling component
/// lives, for live countdowns.
pub(crate) fn ticking_now_ms() -> ReadSignal<i64> {
    let (now_ms, set_now_ms) = signal(self::now_ms());
    if let Ok(handle) = set_interval_with_handle(
        move || set_now_ms.set(self::now_ms()),
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    now_ms
}

/// An estate's `utc_offset` (`+08:00`); China's when it cannot be read.
pub(crate) fn parse_offset(s: &str) -> FixedOffset {
    anju_shared::calendar::parse_offset(s).unwrap_or_else(anju_shared::calendar::china_offset)
}

/// `03-10 09:30`.
pub(crate) fn short(t: &DateTime<FixedOffset>) -> String {
    format!(
        "{:02}-{:02} {:02}:{:02}",
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `14:03:05` of a moment in ms, in the device's own time zone.
pub(crate) fn time_of_day(ms: i64) -> String {
    let d = js_sys::Date::new(&(ms as f64).into());
    format!(
        "{:02}:{:02}:{:02}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}
