//! The extension's Zend-free modules, compiled from `../src` as they are (no copy), so the
//! fuzz targets reach the domain normaliser and the response decoders without linking
//! ext-php-rs. Only `lib.rs`, `functions.rs`, `exception.rs` and `zend_extra.rs` of the
//! extension touch PHP, and none of the modules below use them.
#![allow(dead_code, unused_imports)]

#[path = "../../src/api/mod.rs"]
pub mod api;
#[path = "../../src/client.rs"]
pub mod client;
#[path = "../../src/config.rs"]
pub mod config;
#[path = "../../src/domain_name.rs"]
pub mod domain_name;
#[path = "../../src/error.rs"]
pub mod error;
#[path = "../../src/operations.rs"]
pub mod operations;
#[path = "../../src/retry.rs"]
pub mod retry;
#[path = "../../src/value.rs"]
pub mod value;

pub mod fake_runcloud;
