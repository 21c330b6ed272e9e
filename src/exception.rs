//! The `WuRunCloud\…Exception` classes and the single mapping from [`Error`] to them.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::class::RegisteredClass;
use ext_php_rs::ffi::zend_throw_exception;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendClassObject, ZendHashTable};
use ext_php_rs::zend::{ClassEntry, ExecutorGlobals, ce};

use crate::error::{Error, ErrorKind, FieldErrors};

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

/// RunCloud refused the data (HTTP 422); `getErrors()` returns its field errors.
#[php_class]
#[php(name = "WuRunCloud\\ValidationException")]
#[php(extends(RunCloudException))]
#[derive(Default)]
pub struct ValidationException {
    errors: FieldErrors,
}

#[php_impl]
impl ValidationException {
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
impl From<Error> for PhpException {
    fn from(err: Error) -> PhpException {
        let kind = err.kind();
        let code = err.code() as i32;
        let message = err.to_string().replace('\0', "\\0");
        if kind == ErrorKind::Validation
            && !err.field_errors().is_empty()
            && !ExecutorGlobals::has_exception()
            && let Some(ex) = throw_validation(&message, code, err.field_errors())
        {
            return ex;
        }
        PhpException::new(message, code, class_for(kind))
    }
}

/// Throws a ValidationException carrying the field errors, and returns a placeholder that
/// ext-php-rs will not throw again (an exception is already pending).
fn throw_validation(
    message: &str,
    code: i32,
    errors: &[(String, Vec<String>)],
) -> Option<PhpException> {
    let ce = ValidationException::get_metadata().ce();
    let c_message = std::ffi::CString::new(message).ok()?;
    // SAFETY: `ce` is our registered class entry; the message is NUL-terminated and copied by
    // the engine. The returned object is the pending exception, alive until it is caught.
    let obj = unsafe {
        zend_throw_exception(
            std::ptr::from_ref(ce).cast_mut(),
            c_message.as_ptr(),
            code.into(),
        )
    };
    // SAFETY: a non-null pointer from zend_throw_exception is a valid, live object.
    if let Some(obj) = unsafe { obj.as_mut() }
        && let Some(class_obj) = ZendClassObject::<ValidationException>::from_zend_obj_mut(obj)
    {
        class_obj.errors = errors.to_vec();
    }
    Some(PhpException::new(message.to_string(), code, ce))
}
