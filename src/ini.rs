//! The `wu_runcloud.*` INI entries. Their defaults are the client's built-in ones
//! ([`Defaults::BUILT_IN`]), turned into the C strings PHP wants at compile time, so the
//! numbers are written once.

use std::ffi::CStr;

use ext_php_rs::flags::IniEntryPermission;
use ext_php_rs::zend::{IniEntryDef, IniEntryDefs};
use runcloud::config::Defaults;

use crate::zend_extra;

const TIMEOUT: &CStr = c"wu_runcloud.timeout";
const CONNECT_TIMEOUT: &CStr = c"wu_runcloud.connect_timeout";
const RETRIES: &CStr = c"wu_runcloud.retries";
const SSL_TIMEOUT: &CStr = c"wu_runcloud.ssl_timeout";

/// Room for any `u64` in decimal and its NUL.
const DIGITS: usize = 21;

/// `n` in decimal, NUL-terminated.
const fn decimal(mut n: u64) -> [u8; DIGITS] {
    let mut reversed = [0u8; DIGITS];
    let mut len = 0;
    loop {
        reversed[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut out = [0u8; DIGITS];
    let mut i = 0;
    while i < len {
        out[i] = reversed[len - 1 - i];
        i += 1;
    }
    out
}

const fn c_str(bytes: &'static [u8; DIGITS]) -> &'static CStr {
    match CStr::from_bytes_until_nul(bytes) {
        Ok(s) => s,
        Err(_) => c"",
    }
}

// Whole seconds: the built-in timeouts have no fraction.
const TIMEOUT_DEFAULT: &[u8; DIGITS] = &decimal(Defaults::BUILT_IN.timeout.as_secs());
const CONNECT_TIMEOUT_DEFAULT: &[u8; DIGITS] =
    &decimal(Defaults::BUILT_IN.connect_timeout.as_secs());
const RETRIES_DEFAULT: &[u8; DIGITS] = &decimal(Defaults::BUILT_IN.retries as u64);
const SSL_TIMEOUT_DEFAULT: &[u8; DIGITS] = &decimal(Defaults::BUILT_IN.ssl_timeout.as_secs());

pub static ENTRIES: IniEntryDefs<5> = IniEntryDefs::new([
    // Seconds one logical request may take, retries and backoff included.
    IniEntryDef::new(TIMEOUT, c_str(TIMEOUT_DEFAULT), IniEntryPermission::All),
    IniEntryDef::new(
        CONNECT_TIMEOUT,
        c_str(CONNECT_TIMEOUT_DEFAULT),
        IniEntryPermission::All,
    ),
    IniEntryDef::new(RETRIES, c_str(RETRIES_DEFAULT), IniEntryPermission::All),
    // Seconds one certificate issuance may take; it is never retried blindly.
    IniEntryDef::new(
        SSL_TIMEOUT,
        c_str(SSL_TIMEOUT_DEFAULT),
        IniEntryPermission::All,
    ),
    IniEntryDef::end(),
]);

/// The current (ini_set-aware) values; the client falls back to its built-ins for any that
/// is out of range.
pub fn defaults() -> Defaults {
    Defaults::from_ini(
        zend_extra::ini_double(TIMEOUT),
        zend_extra::ini_double(CONNECT_TIMEOUT),
        zend_extra::ini_long(RETRIES),
        zend_extra::ini_double(SSL_TIMEOUT),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ini_defaults_are_the_clients_built_in_values() {
        assert_eq!(c_str(TIMEOUT_DEFAULT), c"15");
        assert_eq!(c_str(CONNECT_TIMEOUT_DEFAULT), c"5");
        assert_eq!(c_str(RETRIES_DEFAULT), c"3");
        assert_eq!(c_str(SSL_TIMEOUT_DEFAULT), c"120");
        const ZERO: &[u8; DIGITS] = &decimal(0);
        const MAX: &[u8; DIGITS] = &decimal(u64::MAX);
        assert_eq!(c_str(ZERO), c"0");
        assert_eq!(c_str(MAX), c"18446744073709551615");
    }
}
