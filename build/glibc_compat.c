/* Keeps wu_runcloud.so loadable on glibc 2.35 (Ubuntu 22.04) when it is built against a newer
 * glibc (Debian 13 has 2.41).
 *
 * Since glibc 2.38, C code compiled with _GNU_SOURCE calls sscanf/strtol through the C23
 * entry points __isoc23_sscanf/__isoc23_strtol (GLIBC_2.38), which only add "0b" binary
 * prefixes. aws-lc uses them to parse OPENSSL_ia32cap (hex and decimal, never binary), so these
 * definitions, linked into the .so (build.rs, whole archive) and never exported, send those
 * calls to the pre-C23 functions that every glibc since 2.7 has.
 *
 * Compiled as plain C11 without _GNU_SOURCE, so the calls below are not redirected again. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((visibility("hidden"))) int __isoc23_sscanf(const char *s, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    int n = vsscanf(s, format, ap);
    va_end(ap);
    return n;
}

__attribute__((visibility("hidden"))) long __isoc23_strtol(const char *s, char **end, int base) {
    return strtol(s, end, base);
}
