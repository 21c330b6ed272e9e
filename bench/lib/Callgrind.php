<?php
// Where a call's instructions go: two callgrind profiles of the same script (0 calls and N
// calls after the same warm-up, `--separate-threads=yes`), their difference per call, per
// thread, grouped by what the code does. Used by bench.php; from a shell:
//
//   php bench/lib/Callgrind.php PROFILE_WITHOUT PROFILE_WITH CALLS   (prints the JSON)
//
// Grouping is by function name (self cost), so it is as good as the symbols: code inlined
// into a function counts where it was inlined, and the release build has no debug info.
declare(strict_types=1);

namespace WuBench;

final class Callgrind
{
    /**
     * What the code does, matched on "function [object]" in this order (first match wins).
     * The thread hand-off is not a group: its instructions are spread over tokio, the
     * blocking client and the kernel (which callgrind does not see); bench.php measures it
     * apart (examples/handoff.rs).
     */
    public const GROUPS = [
        'building PHP values (binding)' => '/wu_runcloud::convert::.*(ToPhp|Out|assoc|list)|ext_php_rs::types::array|zend_hash_(str_update|index_update|next_index_insert)|_zend_new_array|zend_hash_real_init|_emalloc|_efree|zend_string/',
        '$config, options, domain names (ours)' => '/wu_runcloud::|ext_php_rs::|runcloud::(config|domain_name|operations|value)|zend_hash_str_find|zend_ini/',
        'JSON decoding' => '/serde|runcloud::api::|skip_to_escape|from_utf8|btree/',
        'URLs and headers (request building)' => '/runcloud::client::(Endpoint|Session::(attempt|authorize|call))|url::|idna::|icu_|percent_encoding|http::header|http::uri|RequestBuilder|reqwest::blocking::request|form_urlencoded/',
        'retries, pacing, timeouts' => '/runcloud::(retry|client::(Pacer|jitter|now_secs))|tokio::time|Timespec|clock_gettime|Instant|timer/',
        'logging' => '/\blog::|tracing/',
        'TLS (rustls, aws-lc)' => '/rustls|aws_lc|_aesni|gcm|ghash|aes_|sha256|sha512|chacha|poly1305/i',
        'async runtime and hand-off (tokio, futures, parking)' => '/(\?\?\?:|<)(tokio|mio|futures_util|futures_channel|futures_core)::|reqwest::blocking::(wait|client::(forward|ClientHandle))|std::thread|std::sys::sync|park|futex|Waker|__lll_|pthread_|epoll|eventfd|syscall/',
        'HTTP/1 (hyper, reqwest, tower)' => '/hyper|httparse|http::|http_body|tower|reqwest::|bytes::/',
        'memory allocation (glibc malloc/free)' => '/malloc\.c|arena\.c|__rust_(de|re)?alloc|__rdl_|finish_grow|do_reserve|raw_vec/',
        'memcpy, memcmp (libc)' => '/memmove|memcpy|memcmp|memset|strlen|memchr/',
        'hashing (connection pool, maps)' => '/hash|Hasher|sip::/',
        'PHP engine (the calling loop)' => '/\/usr\/bin\/php/',
        'string formatting (core::fmt)' => '/fmt::|Formatter|format_inner|to_string/',
    ];

    public const OTHER = 'other (std strings, vectors, iterators)';

    /** Self cost of every function in one profile: "function [object]" => instructions. */
    public static function selfCosts(string $file): array
    {
        $out = [];
        $text = (string) shell_exec('callgrind_annotate --inclusive=no --threshold=100 ' . escapeshellarg($file) . ' 2>/dev/null');
        foreach (explode("\n", $text) as $l) {
            if (preg_match('/^\s*([\d,]+) \([^)]*\)\s+(.+)$/', $l, $m) && !str_contains($m[2], 'PROGRAM TOTALS')) {
                $out[trim($m[2])] = (int) str_replace(',', '', $m[1]);
            }
        }
        return $out;
    }

    /** The instruction total a profile file states. */
    public static function total(string $file): ?int
    {
        foreach (file($file) ?: [] as $l) {
            if (preg_match('/^(?:summary|totals):\s+(\d+)/', $l, $m)) {
                return (int) $m[1];
            }
        }
        return null;
    }

    /**
     * Per call: each thread's instructions (thread 1 is PHP's, thread 2 the client's
     * runtime thread when there is one), by group, and the ten costliest functions.
     *
     * @return array{calls:int, total:?float, threads:array<int, array{total:float, groups:array<string,float>, top:array<string,float>}>}
     */
    public static function profile(string $without, string $with, int $calls): array
    {
        $threads = [];
        $sum = 0.0;
        foreach (glob("$with-*") ?: [] as $f) {
            if (!preg_match('/-(\d+)$/', $f, $m)) {
                continue;
            }
            $n = (int) $m[1];
            $a = is_file("$without-{$m[1]}") ? self::selfCosts("$without-{$m[1]}") : [];
            $per = [];
            foreach (self::selfCosts($f) as $fn => $v) {
                $d = ($v - ($a[$fn] ?? 0)) / $calls;
                if (abs($d) >= 0.5) {
                    $per[$fn] = $d;
                }
            }
            $groups = array_fill_keys(array_keys(self::GROUPS), 0.0) + [self::OTHER => 0.0];
            foreach ($per as $fn => $d) {
                $groups[self::group($fn)] += $d;
            }
            $groups = array_filter($groups, static fn(float $v): bool => abs($v) >= 0.5);
            arsort($groups);
            arsort($per);
            $total = array_sum($per);
            $sum += $total;
            $threads[$n] = ['total' => $total, 'groups' => $groups, 'top' => array_slice($per, 0, 10, true)];
        }
        ksort($threads);
        return ['calls' => $calls, 'total' => $threads ? $sum : null, 'threads' => $threads];
    }

    public static function group(string $fn): string
    {
        foreach (self::GROUPS as $name => $re) {
            if (preg_match($re, $fn)) {
                return $name;
            }
        }
        return self::OTHER;
    }
}

if (PHP_SAPI === 'cli' && realpath($argv[0] ?? '') === __FILE__) {
    [$_, $without, $with, $calls] = $argv + [null, null, null, null];
    if ($calls === null) {
        fwrite(STDERR, "usage: php bench/lib/Callgrind.php PROFILE_WITHOUT PROFILE_WITH CALLS\n");
        exit(2);
    }
    echo json_encode(Callgrind::profile($without, $with, (int) $calls), JSON_PRETTY_PRINT), "\n";
}
