//! Fuzzes the photo upload path: any bytes are refused or re-encoded into a clean image,
//! never a panic, a hang or an allocation beyond the decoder's limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = anju_server::photos::clean(data);
});
