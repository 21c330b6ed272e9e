//! The simulator's clock: the wall clock plus an offset that `POST /_sim/clock` moves
//! forward, so what takes days (Let's Encrypt's 7-day windows, certificate expiry) or minutes
//! (an asynchronous issuance) is testable without waiting. Every date the API shows, every
//! window and every pending issuance reads this clock. RunCloud renders dates as
//! `YYYY-MM-DD HH:MM:SS` (UTC, no zone).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds added to the wall clock (never negative: the clock only moves forward).
static OFFSET_MS: AtomicU64 = AtomicU64::new(0);

pub fn offset_ms() -> u64 {
    OFFSET_MS.load(Ordering::Relaxed)
}

/// Moves the clock forward by `ms`.
pub fn advance_ms(ms: u64) {
    OFFSET_MS.fetch_add(ms, Ordering::Relaxed);
}

/// Back to the wall clock (a reset).
pub fn reset_offset() {
    OFFSET_MS.store(0, Ordering::Relaxed);
}

fn wall_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

pub fn now_secs() -> u64 {
    now_f64() as u64
}

pub fn now_f64() -> f64 {
    wall_f64() + offset_ms() as f64 / 1000.0
}

/// Unix seconds → `YYYY-MM-DD HH:MM:SS` UTC (proleptic Gregorian, days-from-civil inverse).
pub fn datetime(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::datetime;

    #[test]
    fn datetime_formats_known_instants() {
        assert_eq!(datetime(0), "1970-01-01 00:00:00");
        assert_eq!(datetime(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(datetime(1_764_053_999), "2025-11-25 06:59:59");
    }
}
