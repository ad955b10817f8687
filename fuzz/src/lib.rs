//! The fuzz targets of lambda-zero, as a library so `fuzz_targets/*.rs` stay
//! one line each. The bodies live in `targets.rs`, which `tests/props.rs`
//! also includes, so the stable property tests run exactly what is fuzzed.
#![forbid(unsafe_code)]

pub mod targets;
