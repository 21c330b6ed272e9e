//! PHP engine symbols that ext-php-rs has no binding for, looked up at run time.
//!
//! Declaring them `extern "C"` would leave load-time (GLOB_DAT) relocations in the library:
//! fine inside PHP, but `cargo php stubs` dlopens the library in a process that only defines
//! ext-php-rs's allowed bindings, and fails. `dlsym(RTLD_DEFAULT, …)` finds them in the php
//! binary when we run inside PHP and yields `None` elsewhere.

use std::ffi::{CStr, c_char, c_void};
use std::sync::OnceLock;

use ext_php_rs::zend::{ClassEntry, ModuleEntry};

fn lookup(name: &CStr) -> Option<*mut c_void> {
    // SAFETY: dlsym with RTLD_DEFAULT only reads the loaded objects' symbol tables.
    let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!p.is_null()).then_some(p)
}

type IniDouble = unsafe extern "C" fn(*const c_char, usize, i32) -> f64;
type IniLong = unsafe extern "C" fn(*const c_char, usize, i32) -> i64;
type DisplayIni = unsafe extern "C" fn(*mut ModuleEntry);

// Function pointers are stored as usize: raw pointers are not Sync.
static INI_DOUBLE: OnceLock<Option<usize>> = OnceLock::new();
static INI_LONG: OnceLock<Option<usize>> = OnceLock::new();

/// `INI_FLT(name)`: the current (ini_set-aware) value, or `None` outside PHP.
pub fn ini_double(name: &CStr) -> Option<f64> {
    let f = (*INI_DOUBLE.get_or_init(|| lookup(c"zend_ini_double").map(|p| p as usize)))?;
    // SAFETY: the symbol is PHP's `double zend_ini_double(const char*, size_t, int)`; the name
    // is NUL-terminated and its length excludes the NUL, as the C macro passes it.
    Some(unsafe {
        std::mem::transmute::<usize, IniDouble>(f)(name.as_ptr(), name.count_bytes(), 0)
    })
}

/// `INI_INT(name)`, or `None` outside PHP.
pub fn ini_long(name: &CStr) -> Option<i64> {
    let f = (*INI_LONG.get_or_init(|| lookup(c"zend_ini_long").map(|p| p as usize)))?;
    // SAFETY: as above, for `zend_long zend_ini_long(const char*, size_t, int)`.
    Some(unsafe { std::mem::transmute::<usize, IniLong>(f)(name.as_ptr(), name.count_bytes(), 0) })
}

/// `DISPLAY_INI_ENTRIES()`: the Directive / Local / Master table of phpinfo().
pub fn display_ini_entries(module: *mut ModuleEntry) {
    if let Some(p) = lookup(c"display_ini_entries") {
        // SAFETY: PHP's `void display_ini_entries(zend_module_entry*)`, called from MINFO with
        // the module entry PHP passed us.
        unsafe { std::mem::transmute::<*mut c_void, DisplayIni>(p)(module) }
    }
}

/// SPL's `RuntimeException` class entry. SPL is compiled into PHP and starts before shared
/// extensions, so it is set by the time our MINIT registers classes.
pub fn spl_runtime_exception() -> Option<&'static ClassEntry> {
    let p = lookup(c"spl_ce_RuntimeException")? as *const *mut ClassEntry;
    // SAFETY: the symbol is `zend_class_entry *spl_ce_RuntimeException`; PHP never frees the
    // class entry while the process runs.
    unsafe { (*p).as_ref() }
}
