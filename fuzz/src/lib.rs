//! Helpers of the fuzz targets; the code under test is the `runcloud` crate.

pub mod fake_runcloud;
