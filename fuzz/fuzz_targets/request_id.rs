//! `cargo +nightly fuzz run request_id`: see `fuzz/src/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_zero_fuzz::targets::request_id(data));
