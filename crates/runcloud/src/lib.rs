//! The RunCloud client of `wu_runcloud`, free of PHP: parses the configuration, validates
//! domain names, talks to RunCloud (auth, pacing, retries, pagination, SSL routes) and words
//! every failure once in [`error::Error`]. The `wu_runcloud` crate at the repository root is
//! its PHP binding.

// The PHP binding calls into this crate across the FFI boundary: nothing may panic, so no
// unwrap/expect/panic outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod api;
pub mod checks;
pub mod client;
pub mod config;
pub mod domain_name;
pub mod error;
pub mod operations;
pub mod retry;
pub mod value;

#[cfg(feature = "testing")]
pub mod testing;
