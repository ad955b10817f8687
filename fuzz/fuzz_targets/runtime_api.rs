//! `cargo +nightly fuzz run runtime_api`: see `fuzz/src/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_zero_fuzz::targets::runtime_api(data));
