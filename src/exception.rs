//! The `WuRunCloud\…Exception` classes and the single mapping from [`Error`] to them.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::class::RegisteredClass;
use ext_php_rs::ffi::zend_throw_exception;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendClassObject, ZendHashTable, Zval};
use ext_php_rs::zend::{ClassEntry, ExecutorGlobals, ce};

use runcloud::error::{Error, ErrorKind, FieldErrors};

/// SPL's RuntimeException (the parent of our base class), or `\Exception` if SPL's symbol
/// cannot be found, which does not happen inside PHP.
fn runtime_exception() -> &'static ClassEntry {
    crate::zend_extra::spl_runtime_exception().unwrap_or_else(ce::exception)
}

/// Base class of every error raised by the wu_runcloud extension.
/// `getCode()` is RunCloud's HTTP status, or 0 for transport and local errors.
#[php_class]
#[php(name = "WuRunCloud\\RunCloudException")]
#[php(extends(ce = runtime_exception, stub = "\\RuntimeException"))]
#[derive(Default)]
pub struct RunCloudException;

/// RunCloud rejected the credentials (HTTP 401 or 403). The message names the credential
/// kind (v3 token or v2 key/secret), never its value.
#[php_class]
#[php(name = "WuRunCloud\\AuthenticationException")]
#[php(extends(RunCloudException))]
#[derive(Default)]
pub struct AuthenticationException;

/// The server, the web application or a route does not exist (HTTP 404). The message names the id.
#[php_class]
#[php(name = "WuRunCloud\\NotFoundException")]
#[php(extends(RunCloudException))]
#[derive(Default)]
pub struct NotFoundException;

/// RunCloud refused the data (HTTP 422; `getErrors()` returns its field errors), or the change
/// is one RunCloud refuses and was not asked for (the app's primary domain: code 0).
#[php_class]
#[php(name = "WuRunCloud\\ValidationException")]
#[php(extends(RunCloudException))]
#[derive(Default)]
pub struct ValidationException {
    errors: FieldErrors,
}

#[php_impl]
impl ValidationException {
    /// Same as `\Exception::__construct`; `getErrors()` is then empty.
    ///
    /// # Arguments
    ///
    /// * `message` - The message.
    /// * `code` - The code (an HTTP status).
    /// * `previous` - The previous throwable.
    #[php(defaults(message = String::new(), code = 0))]
    pub fn __construct(message: String, code: i64, previous: Option<&Zval>) -> Self {
        construct(message, code, previous);
        Self::default()
    }

    /// RunCloud's field errors.
    ///
    /// # Returns
    ///
    /// An array of field name => list of messages, e.g. `['name' => ['The name has already been taken.']]`;
    /// empty when RunCloud sent none.
    pub fn get_errors(&self) -> PhpResult<ZBox<ZendHashTable>> {
        let mut ht = ZendHashTable::new();
        for (field, messages) in &self.errors {
            let mut list = ZendHashTable::new();
            for m in messages {
                list.push(m.as_str())?;
            }
            ht.insert(field.as_str(), list)?;
        }
        Ok(ht)
    }
}

/// RunCloud kept answering HTTP 429 after the retries allowed by `retries` and `timeout`.
#[php_class]
#[php(name = "WuRunCloud\\RateLimitException")]
#[php(extends(RunCloudException))]
#[derive(Default)]
pub struct RateLimitException;

/// No usable answer: network, timeout, TLS, undecodable body (code 0), or a 5xx status
/// after the retries (code = that status).
#[php_class]
#[php(name = "WuRunCloud\\TransportException")]
#[php(extends(RunCloudException))]
#[derive(Default)]
pub struct TransportException;

/// Bad configuration, option or domain name; raised before any request (code 0).
#[php_class]
#[php(name = "WuRunCloud\\InvalidArgumentException")]
#[php(extends(RunCloudException))]
#[derive(Default)]
pub struct InvalidArgumentException;

/// PHP-side construction (`new WuRunCloud\TransportException('…', 0, $previous)`), for code
/// that wraps or fakes our errors: ext-php-rs replaces the constructor, so do what
/// `Exception::__construct` and `zend_default_exception_new` would have done.
fn construct(message: String, code: i64, previous: Option<&Zval>) {
    let Some(this) = crate::zend_extra::current_this() else {
        return;
    };
    crate::zend_extra::fill_exception_origin(this, 1);
    let mut z = Zval::new();
    if z.set_string(&message, false).is_ok() {
        crate::zend_extra::set_exception_property(this, c"message", z);
    }
    let mut z = Zval::new();
    z.set_long(code);
    crate::zend_extra::set_exception_property(this, c"code", z);
    if let Some(prev) = previous
        && prev
            .object()
            .is_some_and(|o| o.instance_of(ce::throwable()))
    {
        crate::zend_extra::set_exception_property(this, c"previous", prev.shallow_clone());
    }
}

/// The constructors of the classes without other methods.
macro_rules! constructible {
    ($($class:ident),*) => {$(
        #[php_impl]
        impl $class {
            /// Same as `\Exception::__construct`.
            ///
            /// # Arguments
            ///
            /// * `message` - The message.
            /// * `code` - The code (an HTTP status, or 0).
            /// * `previous` - The previous throwable.
            #[php(defaults(message = String::new(), code = 0))]
            pub fn __construct(message: String, code: i64, previous: Option<&Zval>) -> Self {
                construct(message, code, previous);
                Self
            }
        }
    )*};
}

constructible!(
    RunCloudException,
    AuthenticationException,
    NotFoundException,
    RateLimitException,
    TransportException,
    InvalidArgumentException
);

fn class_for(kind: ErrorKind) -> &'static ClassEntry {
    match kind {
        ErrorKind::InvalidArgument => InvalidArgumentException::get_metadata().ce(),
        ErrorKind::Authentication => AuthenticationException::get_metadata().ce(),
        ErrorKind::NotFound => NotFoundException::get_metadata().ce(),
        ErrorKind::Validation => ValidationException::get_metadata().ce(),
        ErrorKind::RateLimit => RateLimitException::get_metadata().ce(),
        ErrorKind::Transport => TransportException::get_metadata().ce(),
        ErrorKind::Other => RunCloudException::get_metadata().ce(),
    }
}

/// The one place an [`Error`] becomes a PHP exception.
///
/// The exception is thrown right here (we are still inside the PHP function call), so it can
/// be completed: file/line/trace of the caller, and the field errors of a ValidationException.
/// The returned value is a stand-in that ext-php-rs does not throw again, because an exception
/// is then pending.
pub fn to_php(err: Error) -> PhpException {
    let kind = err.kind();
    let code = err.code() as i32;
    let message = err.to_string().replace('\0', "\\0");
    let ce = class_for(kind);
    if !ExecutorGlobals::has_exception() {
        throw(ce, &message, code, err.field_errors());
    }
    PhpException::new(message, code, ce)
}

fn throw(ce: &'static ClassEntry, message: &str, code: i32, errors: &[(String, Vec<String>)]) {
    let Ok(c_message) = std::ffi::CString::new(message) else {
        return;
    };
    // SAFETY: `ce` is one of our registered, concrete exception classes; the message is
    // NUL-terminated and copied by the engine. The returned object is the pending exception.
    let obj = unsafe {
        zend_throw_exception(
            std::ptr::from_ref(ce).cast_mut(),
            c_message.as_ptr(),
            code.into(),
        )
    };
    // SAFETY: a non-null pointer from zend_throw_exception is a valid, live object.
    let Some(obj) = (unsafe { obj.as_mut() }) else {
        return;
    };
    crate::zend_extra::fill_exception_origin(obj, 0);
    if !errors.is_empty()
        && let Some(class_obj) = ZendClassObject::<ValidationException>::from_zend_obj_mut(obj)
    {
        class_obj.errors = errors.to_vec();
    }
}
