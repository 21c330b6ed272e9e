//! PHP engine symbols that ext-php-rs has no binding for, looked up at run time.
//!
//! Declaring them `extern "C"` would leave load-time (GLOB_DAT) relocations in the library:
//! fine inside PHP, but `cargo php stubs` dlopens the library in a process that only defines
//! ext-php-rs's allowed bindings, and fails. `dlsym(RTLD_DEFAULT, …)` finds them in the php
//! binary when we run inside PHP and yields `None` elsewhere.

use std::ffi::{CStr, c_char, c_void};
use std::sync::OnceLock;

use ext_php_rs::types::{ZendObject, Zval};
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

type FetchBacktrace = unsafe extern "C" fn(*mut Zval, i32, i32, i32);
type ExecutedFilename = unsafe extern "C" fn() -> *const c_char;
type ExecutedLineno = unsafe extern "C" fn() -> u32;
type UpdateProperty =
    unsafe extern "C" fn(*mut ClassEntry, *mut ZendObject, *const c_char, usize, *mut Zval);

const DEBUG_BACKTRACE_IGNORE_ARGS: i32 = 1 << 1;

/// Gives an exception object created by ext-php-rs's object handler what PHP's own
/// `zend_default_exception_new` would have set: `file`, `line` (the calling PHP code) and
/// `trace` (without arguments). ext-php-rs replaces the create handler of `#[php_class]`
/// exceptions, so without this every exception of ours would say `:0` and have no trace.
///
/// `skip_top` drops frames from the top of the trace (1 inside `__construct`, so the trace
/// starts at the `new`, as PHP's own exceptions do).
pub fn fill_exception_origin(object: &mut ZendObject, skip_top: i32) {
    let (Some(fetch), Some(filename), Some(lineno), Some(update)) = (
        lookup(c"zend_fetch_debug_backtrace"),
        lookup(c"zend_get_executed_filename"),
        lookup(c"zend_get_executed_lineno"),
        lookup(c"zend_update_property"),
    ) else {
        return;
    };
    // SAFETY: the symbols have the PHP 8.2 signatures declared above; we are inside a call
    // from PHP code (an executing frame exists), `object` is a live exception object, and the
    // scope passed to zend_update_property is `Exception` or `Error`, which declare file/line/trace.
    unsafe {
        let fetch = std::mem::transmute::<*mut c_void, FetchBacktrace>(fetch);
        let filename = std::mem::transmute::<*mut c_void, ExecutedFilename>(filename);
        let lineno = std::mem::transmute::<*mut c_void, ExecutedLineno>(lineno);
        let update = std::mem::transmute::<*mut c_void, UpdateProperty>(update);
        // `trace` is private to Exception or Error: update it from the base the object has.
        let base = if is_engine_error(object) {
            ext_php_rs::zend::ce::error()
        } else {
            ext_php_rs::zend::ce::exception()
        };
        let scope = std::ptr::from_ref(base).cast_mut();
        let obj: *mut ZendObject = object;

        // Never record call arguments, whatever zend.exception_ignore_args says: the first
        // argument of every wu_runcloud_* function (and often of its callers) is the config
        // array holding the API token or key and secret.
        let mut trace = Zval::new();
        fetch(&mut trace, skip_top, DEBUG_BACKTRACE_IGNORE_ARGS, 0);
        if trace.is_array() {
            update(scope, obj, c"trace".as_ptr(), 5, &mut trace);
        }

        let file = filename();
        if !file.is_null() {
            let mut z = Zval::new();
            if z.set_string(&CStr::from_ptr(file).to_string_lossy(), false)
                .is_ok()
            {
                update(scope, obj, c"file".as_ptr(), 4, &mut z);
            }
        }
        let mut z = Zval::new();
        z.set_long(i64::from(lineno()));
        update(scope, obj, c"line".as_ptr(), 4, &mut z);
    }
}

/// The object `$this` of the method PHP is executing (our `__construct`).
pub fn current_this() -> Option<&'static mut ZendObject> {
    let ex = ext_php_rs::zend::ExecutorGlobals::get().current_execute_data;
    // SAFETY: while PHP runs our method, current_execute_data is that method's live frame.
    let ex = unsafe { ex.cast::<ext_php_rs::zend::ExecuteData>().as_mut() }?;
    ex.get_self()
}

/// Writes a property declared by `\Exception` (message, code, previous…), whatever its
/// visibility, as `Exception::__construct` does.
pub fn set_exception_property(object: &mut ZendObject, name: &CStr, mut value: Zval) {
    let Some(update) = lookup(c"zend_update_property") else {
        return;
    };
    // SAFETY: PHP 8.2's zend_update_property; the scope is `Exception`, which declares the
    // property; the value is copied (refcount added) by the engine.
    unsafe {
        let update = std::mem::transmute::<*mut c_void, UpdateProperty>(update);
        let scope = std::ptr::from_ref(ext_php_rs::zend::ce::exception()).cast_mut();
        update(scope, object, name.as_ptr(), name.count_bytes(), &mut value);
    }
}

type ThrowHook = unsafe extern "C" fn(*mut ZendObject);

/// The engine's `zend_throw_exception_hook` before ours (xdebug and others chain it), as usize.
static PREVIOUS_THROW_HOOK: OnceLock<Option<usize>> = OnceLock::new();

/// Engine errors thrown while one of our functions runs — the `TypeError` and
/// `ArgumentCountError` of ext-php-rs's argument parsing — get the same argument-free trace
/// as our own exceptions: the caller's frames hold the config array with the credentials.
/// Installed in MINIT, removed in MSHUTDOWN (the library may be unloaded after it).
pub fn install_throw_hook() {
    let Some(slot) = lookup(c"zend_throw_exception_hook") else {
        return;
    };
    // SAFETY: `zend_throw_exception_hook` is the engine's `void (*)(zend_object *)` global;
    // MINIT runs single-threaded before any request.
    unsafe {
        let slot = slot.cast::<Option<ThrowHook>>();
        let _ = PREVIOUS_THROW_HOOK.set((*slot).map(|f| f as usize));
        *slot = Some(throw_hook);
    }
}

pub fn uninstall_throw_hook() {
    let Some(slot) = lookup(c"zend_throw_exception_hook") else {
        return;
    };
    // SAFETY: as above; MSHUTDOWN is single-threaded. Only our own hook is replaced.
    unsafe {
        let slot = slot.cast::<Option<ThrowHook>>();
        if (*slot).map(|f| f as usize) == Some(throw_hook as ThrowHook as usize) {
            *slot = PREVIOUS_THROW_HOOK
                .get()
                .copied()
                .flatten()
                .map(|p| std::mem::transmute::<usize, ThrowHook>(p));
        }
    }
}

unsafe extern "C" fn throw_hook(ex: *mut ZendObject) {
    // SAFETY: the engine calls the hook with the live exception being thrown, on the thread
    // that executes PHP; the previous hook has the same signature.
    unsafe {
        if let Some(prev) = PREVIOUS_THROW_HOOK.get().copied().flatten() {
            std::mem::transmute::<usize, ThrowHook>(prev)(ex);
        }
        if !ex.is_null() && is_engine_error(&*ex) && executing_one_of_ours() {
            fill_exception_origin(&mut *ex, 0);
        }
    }
}

/// Whether the object is an `\Error` (TypeError, ArgumentCountError, …), not an `\Exception`.
fn is_engine_error(object: &ZendObject) -> bool {
    // SAFETY: a live object's class entry pointer is valid.
    unsafe { object.ce.as_ref() }.is_some_and(|ce| ce.instance_of(ext_php_rs::zend::ce::error()))
}

/// Whether PHP is executing a `wu_runcloud_*` function (an internal function of this module).
fn executing_one_of_ours() -> bool {
    let ex = ext_php_rs::zend::ExecutorGlobals::get().current_execute_data;
    // SAFETY: current_execute_data is null or the live current frame; an internal
    // function's `common.function_name` is a valid zend_string while it runs.
    unsafe {
        if ex.is_null() || (*ex).func.is_null() {
            return false;
        }
        let func = &*(*ex).func;
        if u32::from(func.type_) != ext_php_rs::ffi::ZEND_INTERNAL_FUNCTION {
            return false;
        }
        let name = func.common.function_name;
        if name.is_null() {
            return false;
        }
        let bytes = std::slice::from_raw_parts((*name).val.as_ptr().cast::<u8>(), (*name).len);
        bytes.starts_with(b"wu_runcloud_")
    }
}

type AddAttribute = unsafe extern "C" fn(
    *mut *mut ext_php_rs::ffi::HashTable,
    *mut ext_php_rs::ffi::zend_string,
    u32,
    u32,
    u32,
    u32,
) -> *mut c_void;

/// `ZEND_ATTRIBUTE_PERSISTENT`: an internal function's attributes live as long as it does.
const ATTRIBUTE_PERSISTENT: u32 = 1;

/// Gives every parameter named `param` of this module's functions the attribute
/// `#[\SensitiveParameter]`, as PHP's own `password_hash()` has on `$password`: PHP then
/// shows a `SensitiveParameterValue` instead of the value wherever it builds a trace with
/// arguments (exceptions thrown or traces taken by other code while our function runs:
/// profilers, debuggers, error handlers).
///
/// This is what `zend_add_parameter_attribute()` (a static inline of zend_attributes.h)
/// does, for functions registered before MINIT, as PHP's generated arginfo does in its own
/// MINITs.
pub fn mark_sensitive_parameters(module_number: i32, param: &CStr) {
    let Some(add) = lookup(c"zend_add_attribute") else {
        return;
    };
    // SAFETY: MINIT runs single-threaded with the engine started: `compiler_globals` is the
    // engine's `zend_compiler_globals`, whose function table holds every registered function
    // as an IS_PTR zval to a live zend_function (an internal one's arg_info has `num_args`
    // entries with C-string names); `zend_string_init_interned` is set during startup; the
    // symbol is PHP 8.2's `zend_attribute *zend_add_attribute(HashTable **, zend_string *,
    // uint32_t argc, uint32_t flags, uint32_t offset, uint32_t lineno)`.
    unsafe {
        let add = std::mem::transmute::<*mut c_void, AddAttribute>(add);
        let Some(init_interned) = ext_php_rs::ffi::zend_string_init_interned else {
            return;
        };
        // `CG(function_table)` of a non-ZTS PHP (ZTS has no such symbol: nothing is marked).
        let Some(globals) = lookup(c"compiler_globals") else {
            return;
        };
        let globals = globals.cast::<ext_php_rs::ffi::_zend_compiler_globals>();
        let Some(table) = (*globals).function_table.as_ref() else {
            return;
        };
        let name = c"SensitiveParameter";
        for (_, zv) in table.iter() {
            let func = zv.value.ptr.cast::<ext_php_rs::ffi::zend_function>();
            let Some(func) = func.as_mut() else { continue };
            if u32::from(func.type_) != ext_php_rs::ffi::ZEND_INTERNAL_FUNCTION {
                continue;
            }
            let internal = &mut func.internal_function;
            let ours = internal
                .module
                .as_ref()
                .is_some_and(|m| m.module_number == module_number);
            if !ours || internal.arg_info.is_null() {
                continue;
            }
            for i in 0..internal.num_args {
                let arg = &*internal.arg_info.add(i as usize);
                if arg.name.is_null() || CStr::from_ptr(arg.name) != param {
                    continue;
                }
                // Interned (and permanent, during startup): owned by the engine, which
                // frees the attribute with the function.
                let attr_name = init_interned(name.as_ptr(), name.count_bytes(), true);
                add(
                    &raw mut internal.attributes,
                    attr_name,
                    0,
                    ATTRIBUTE_PERSISTENT,
                    i + 1,
                    0,
                );
            }
        }
    }
}
