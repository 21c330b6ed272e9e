//! Decides which PHP this build is for and refuses one the extension cannot serve.
//!
//! It asks the PHP that ext-php-rs's own build script uses: `PHP_CONFIG` (else `php-config` on
//! `PATH`) for the headers, `PHP` (else `php` on `PATH`) for `php -i`. The version, API number
//! and thread safety come from php-config and the headers it names, and must agree with the
//! `php` binary, or ext-php-rs would mix two PHPs in one build.
//!
//! Sets `WU_RUNCLOUD_BUILT_FOR` = "built for PHP X.Y (API N)", shown by phpinfo() and in
//! `wu_runcloud_version()`'s documentation, and read back by `scripts/install.sh` to refuse a
//! `.so` built for another PHP. Also links build/glibc_compat.c, which keeps a build made on a
//! newer glibc loadable on glibc 2.35 (Ubuntu 22.04).

use std::path::{Path, PathBuf};
use std::process::{Command, exit};

/// ext-php-rs 0.16.4 with its `enum` feature (on by default) needs PHP 8.1: API 20210902.
const MIN_API: u32 = 20_210_902;
const MIN_VERSION: &str = "8.1";

fn main() {
    for var in ["PHP", "PHP_CONFIG", "PATH"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    match target_php() {
        Ok(php) => {
            println!("cargo:rerun-if-changed={}", php.config_h.display());
            let built_for = format!("built for PHP {} (API {})", php.minor, php.api);
            println!("cargo:rustc-env=WU_RUNCLOUD_BUILT_FOR={built_for}");
            write_doc_macro(&built_for);
            build_glibc_compat();
        }
        Err(sentence) => {
            eprintln!("error: {sentence}");
            exit(1);
        }
    }
}

/// ext-php-rs's `#[php_function]` takes only literal `#[doc]` strings (they become the PHP
/// stubs), so the sentence is written into a macro that adds it as a literal.
fn write_doc_macro(built_for: &str) {
    let code = format!(
        "/// `built_for_doc! {{ /// summary ; item }}`: the summary, then \"This build: {built_for}.\"\n\
         macro_rules! built_for_doc {{\n\
         \x20   ($(#[doc = $summary:tt])* ; $($item:tt)*) => {{\n\
         \x20       $(#[doc = $summary])*\n\
         \x20       #[doc = \"\"]\n\
         \x20       #[doc = \" This build: {built_for}.\"]\n\
         \x20       $($item)*\n\
         \x20   }};\n\
         }}\n"
    );
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("built_for_doc.rs");
    if let Err(e) = std::fs::write(&out, code) {
        eprintln!("error: cannot write {}: {e}", out.display());
        exit(1);
    }
}

/// Links build/glibc_compat.c whole, so aws-lc's calls resolve to it instead of glibc 2.38+.
fn build_glibc_compat() {
    println!("cargo:rerun-if-changed=build/glibc_compat.c");
    cc::Build::new()
        .file("build/glibc_compat.c")
        .std("c11")
        .cargo_metadata(false)
        .compile("wu_glibc_compat");
    let out = std::env::var("OUT_DIR").unwrap_or_default();
    println!("cargo:rustc-link-search=native={out}");
    println!("cargo:rustc-link-lib=static:+whole-archive=wu_glibc_compat");
}

struct TargetPhp {
    minor: String,
    api: u32,
    config_h: PathBuf,
}

fn target_php() -> Result<TargetPhp, String> {
    let php_config = std::env::var("PHP_CONFIG").unwrap_or_else(|_| "php-config".into());
    let version = run(&php_config, &["--version"])?;
    let minor = minor_of(&version)
        .ok_or_else(|| format!("{php_config} --version printed {version:?}, not a PHP version."))?;
    let api_text = run(&php_config, &["--phpapi"])?;
    let api = api_text.parse::<u32>().map_err(|_| {
        format!("{php_config} --phpapi printed {api_text:?}, not a PHP API number.")
    })?;
    if api < MIN_API {
        return Err(format!(
            "wu_runcloud needs PHP {MIN_VERSION} or newer (ext-php-rs 0.16.4), but {php_config} is PHP {minor} (API {api})."
        ));
    }
    // The header bindgen compiles against says whether this PHP is thread-safe.
    let config_h = PathBuf::from(run(&php_config, &["--include-dir"])?).join("main/php_config.h");
    if !config_h.is_file() {
        return Err(format!(
            "{} does not exist: install the development headers of the PHP that {php_config} describes (e.g. php{minor}-dev).",
            config_h.display()
        ));
    }
    if define(&config_h, "ZTS").is_some() {
        return Err(format!(
            "wu_runcloud supports only non-thread-safe (NTS) PHP, as php-fpm runs it, but {php_config} is a thread-safe (ZTS) PHP {minor}."
        ));
    }
    // ext-php-rs reads the API number from `php -i` of this binary: it must be the same PHP.
    let php = std::env::var("PHP").unwrap_or_else(|_| "php".into());
    let info = run(&php, &["-n", "-i"])?;
    let php_api = info
        .lines()
        .find_map(|l| l.strip_prefix("PHP API => "))
        .and_then(|v| v.trim().parse::<u32>().ok());
    if php_api != Some(api) {
        return Err(format!(
            "{php_config} is PHP {minor} (API {api}) but {php} is another PHP (API {}); set PHP to the binary of the same installation: PHP=$({php_config} --php-binary).",
            php_api.map_or_else(|| "unknown".to_string(), |a| a.to_string())
        ));
    }
    Ok(TargetPhp {
        minor,
        api,
        config_h,
    })
}

fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program} ({e}): set PHP_CONFIG (and PHP) to the PHP to build for, or install its -dev package."))?;
    if !out.status.success() {
        return Err(format!(
            "{program} {} failed with {}.",
            args.join(" "),
            out.status
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// "8.4.27" or "8.4.0RC1" → "8.4".
fn minor_of(version: &str) -> Option<String> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse::<u32>().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!minor.is_empty()).then(|| format!("{major}.{minor}"))
}

/// The value of `#define NAME value` in a C header, if it is defined there.
fn define(header: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(header).ok()?;
    text.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some("#define") && words.next() == Some(name))
            .then(|| words.next().unwrap_or("").trim_matches('"').to_string())
    })
}
