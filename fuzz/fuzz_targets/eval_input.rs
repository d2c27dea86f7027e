//! Fuzzes the rule engine's JSON contract (`anju eval`, `POST /api/eval`): any input is
//! answered or refused with one line naming a field; it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = anju_shared::eval::eval_str(text) {
        assert!(!e.to_string().contains('\n'), "an error is one line");
    }
});
