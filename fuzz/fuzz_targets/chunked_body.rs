//! `cargo +nightly fuzz run chunked_body`: see `fuzz/src/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_zero_fuzz::targets::chunked_body(data));
