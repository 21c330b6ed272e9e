//! The retry policy and the rate-limit pacing, as pure functions of their inputs (no clock,
//! no randomness inside) so they can be table-tested.
//!
//! Policy: each logical request gets up to `max_retries` retries, and all attempts plus the
//! waits between them must fit in `budget` (the configured `timeout`). Retried: 429 (after
//! `Retry-After` when given, else exponential backoff from 1 s), 500/502/503/504, connect
//! failures and connection resets, with jittered exponential backoff from 250 ms. Never
//! retried: any other status (other 4xx, 3xx, 501…), TLS and decoding failures.

use std::time::Duration;

/// What went wrong with one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// RunCloud answered with this status.
    Status(u16),
    /// The TCP connection could not be established (refused, unreachable, connect timeout).
    Connect,
    /// The connection broke before a full answer arrived (reset, closed early).
    Reset,
    /// The attempt ran out of time waiting for the answer.
    Timeout,
    /// The TLS handshake failed (untrusted or expired certificate, not TLS at all): the same
    /// server would fail the same way.
    Tls,
    /// Anything else (an invalid request or answer): retrying would not help.
    Fatal,
}

impl Failure {
    /// The request certainly never reached RunCloud: no connection (refused, unreachable),
    /// a 429 (refused before anything was done), or Cloudflare saying it could not reach
    /// RunCloud at all (521 down, 522 connect timeout, 523 unreachable).
    pub fn never_reached(self) -> bool {
        matches!(
            self,
            Failure::Connect | Failure::Status(429) | Failure::Status(521..=523)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Retry(Duration),
    Stop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub max_retries: u32,
    pub budget: Duration,
    /// The request orders a certificate: an attempt that may have reached RunCloud (a
    /// timeout, a broken connection, a 5xx) is never repeated, because a second order for the
    /// same names counts against Let's Encrypt's 5 duplicates a week. Only failures that
    /// prove the request never got there are retried.
    pub issuing: bool,
}

const SERVER_BASE: Duration = Duration::from_millis(250);
const RATE_LIMIT_BASE: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

impl Policy {
    /// Decides whether to retry after `failure`, given how many retries were already made,
    /// how long the logical request has taken so far, the server's `Retry-After`, and a
    /// jitter value in `[0, 1)` supplied by the caller.
    pub fn decide(
        &self,
        failure: Failure,
        retries_done: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Decision {
        if retries_done >= self.max_retries {
            return Decision::Stop;
        }
        if self.issuing && !failure.never_reached() {
            return Decision::Stop;
        }
        let wait = match failure {
            Failure::Status(429) => {
                retry_after.unwrap_or_else(|| backoff(RATE_LIMIT_BASE, retries_done, jitter))
            }
            // 520–524: Cloudflare in front of RunCloud could not reach or read it.
            Failure::Status(500 | 502 | 503 | 504 | 520..=524) => {
                backoff(SERVER_BASE, retries_done, jitter)
            }
            Failure::Connect | Failure::Reset | Failure::Timeout => {
                backoff(SERVER_BASE, retries_done, jitter)
            }
            Failure::Status(_) | Failure::Tls | Failure::Fatal => return Decision::Stop,
        };
        // The next attempt needs some time of its own after the wait.
        if elapsed + wait + Duration::from_millis(50) >= self.budget {
            return Decision::Stop;
        }
        Decision::Retry(wait)
    }
}

/// `base · 2^n`, scaled into `[50 %, 100 %)` by `jitter` ("equal jitter"), capped.
pub fn backoff(base: Duration, n: u32, jitter: f64) -> Duration {
    let exp = base.saturating_mul(1u32 << n.min(16)).min(MAX_BACKOFF);
    let j = jitter.clamp(0.0, 0.999_999);
    exp.mul_f64(0.5 + j / 2.0)
}

/// Parses `Retry-After` given in seconds (the HTTP-date form is ignored: RunCloud's stack
/// sends seconds). Capped at 10 minutes.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(600.0)))
}

/// Per-credential view of RunCloud's fixed one-minute rate-limit window, fed from
/// `X-RateLimit-Limit` / `X-RateLimit-Remaining`. Times are seconds on a monotonic clock
/// chosen by the caller.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RateWindow {
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
    /// When the current window started: the first request we saw, or the moment
    /// `Remaining` last went up (a new window).
    pub window_start: Option<f64>,
}

/// The window length RunCloud (Laravel throttle) uses.
pub const WINDOW: f64 = 60.0;
/// Slack added after the window's end before sending again.
pub const WINDOW_MARGIN: f64 = 0.25;

impl RateWindow {
    /// Records the headers of an answer received at `now` (started at `sent_at`).
    pub fn observe(&mut self, sent_at: f64, limit: Option<u32>, remaining: Option<u32>) {
        let Some(rem) = remaining else { return };
        let new_window = match (self.remaining, self.window_start) {
            (None, _) | (_, None) => true,
            (Some(prev), _) => rem > prev,
        };
        if new_window {
            self.window_start = Some(sent_at);
        }
        self.remaining = Some(rem);
        if limit.is_some() {
            self.limit = limit;
        }
    }

    /// How long to wait before the next request at `now` so it does not run into a 429:
    /// nothing while requests remain, else until the window's end (plus a margin).
    pub fn wait_before_next(&self, now: f64) -> Option<Duration> {
        if self.remaining != Some(0) {
            return None;
        }
        let start = self.window_start?;
        let until = start + WINDOW + WINDOW_MARGIN;
        (until > now).then(|| Duration::from_secs_f64((until - now).min(WINDOW + WINDOW_MARGIN)))
    }

    /// After a pacing wait the window is fresh: forget the zero so we do not wait twice.
    pub fn waited(&mut self, now: f64) {
        self.remaining = self.limit;
        self.window_start = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn policy() -> Policy {
        Policy {
            issuing: false,
            max_retries: 3,
            budget: Duration::from_secs(15),
        }
    }

    #[test]
    fn retryable_failures_get_a_wait_and_others_stop() {
        let table: &[(Failure, bool)] = &[
            (Failure::Status(429), true),
            (Failure::Status(500), true),
            (Failure::Status(502), true),
            (Failure::Status(503), true),
            (Failure::Status(504), true),
            (Failure::Connect, true),
            (Failure::Reset, true),
            (Failure::Timeout, true),
            (Failure::Status(400), false),
            (Failure::Status(401), false),
            (Failure::Status(403), false),
            (Failure::Status(404), false),
            (Failure::Status(405), false),
            (Failure::Status(422), false),
            (Failure::Status(501), false),
            (Failure::Status(302), false),
            (Failure::Tls, false),
            (Failure::Fatal, false),
        ];
        for (failure, retried) in table {
            let d = policy().decide(*failure, 0, Duration::ZERO, None, 0.5);
            assert_eq!(
                matches!(d, Decision::Retry(_)),
                *retried,
                "{failure:?} should be retried: {retried}; got {d:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_for_429() {
        let d = policy().decide(
            Failure::Status(429),
            0,
            Duration::ZERO,
            Some(Duration::from_secs(7)),
            0.9,
        );
        assert_eq!(d, Decision::Retry(Duration::from_secs(7)));
    }

    #[test]
    fn a_429_without_retry_after_backs_off_from_one_second() {
        let Decision::Retry(w) =
            policy().decide(Failure::Status(429), 0, Duration::ZERO, None, 0.0)
        else {
            panic!("429 should be retried")
        };
        assert_eq!(
            w,
            Duration::from_millis(500),
            "jitter 0 gives half of the 1 s base"
        );
        let Decision::Retry(w) =
            policy().decide(Failure::Status(429), 2, Duration::ZERO, None, 0.999)
        else {
            panic!("429 should be retried")
        };
        assert!(
            w > Duration::from_millis(3900) && w < 4 * S,
            "third retry waits just under 4 s, got {w:?}"
        );
    }

    #[test]
    fn server_errors_back_off_exponentially_with_jitter() {
        let waits: Vec<Duration> = (0..3)
            .map(
                |n| match policy().decide(Failure::Status(503), n, Duration::ZERO, None, 0.0) {
                    Decision::Retry(w) => w,
                    Decision::Stop => panic!("503 retry {n} should be allowed"),
                },
            )
            .collect();
        assert_eq!(
            waits,
            vec![
                Duration::from_millis(125),
                Duration::from_millis(250),
                Duration::from_millis(500)
            ]
        );
        let lo = backoff(SERVER_BASE, 1, 0.0);
        let hi = backoff(SERVER_BASE, 1, 0.99);
        assert!(lo < hi, "jitter must spread the waits: {lo:?} vs {hi:?}");
    }

    #[test]
    fn retries_stop_when_the_count_is_used_up() {
        assert_eq!(
            policy().decide(Failure::Status(503), 3, Duration::ZERO, None, 0.5),
            Decision::Stop
        );
        let none = Policy {
            issuing: false,
            max_retries: 0,
            budget: 15 * S,
        };
        assert_eq!(
            none.decide(Failure::Connect, 0, Duration::ZERO, None, 0.5),
            Decision::Stop
        );
    }

    #[test]
    fn retries_stop_when_the_wait_would_exceed_the_time_budget() {
        let p = Policy {
            issuing: false,
            max_retries: 3,
            budget: 2 * S,
        };
        assert_eq!(
            p.decide(Failure::Status(429), 0, Duration::ZERO, Some(5 * S), 0.5),
            Decision::Stop
        );
        assert_eq!(
            p.decide(Failure::Timeout, 0, 2 * S, None, 0.5),
            Decision::Stop
        );
        assert!(matches!(
            p.decide(
                Failure::Status(503),
                0,
                Duration::from_millis(500),
                None,
                0.5
            ),
            Decision::Retry(_)
        ));
    }

    #[test]
    fn backoff_is_capped() {
        assert!(backoff(RATE_LIMIT_BASE, 30, 0.99) <= MAX_BACKOFF);
    }

    #[test]
    fn retry_after_parsing() {
        assert_eq!(parse_retry_after("3"), Some(3 * S));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("99999"), Some(600 * S));
    }

    #[test]
    fn pacing_waits_for_the_window_end_only_when_nothing_remains() {
        let mut w = RateWindow::default();
        assert_eq!(w.wait_before_next(0.0), None, "no information: no wait");
        w.observe(100.0, Some(60), Some(59));
        assert_eq!(w.window_start, Some(100.0));
        w.observe(110.0, Some(60), Some(1));
        assert_eq!(w.wait_before_next(111.0), None, "requests remain: no wait");
        w.observe(120.0, Some(60), Some(0));
        assert_eq!(
            w.window_start,
            Some(100.0),
            "remaining went down: same window"
        );
        let wait = w
            .wait_before_next(130.0)
            .expect("nothing remains: wait for the window end");
        assert!(
            (wait.as_secs_f64() - (30.0 + WINDOW_MARGIN)).abs() < 1e-6,
            "{wait:?}"
        );
        assert_eq!(w.wait_before_next(161.0), None, "the window is over");
        w.waited(161.0);
        assert_eq!(
            w.wait_before_next(161.0),
            None,
            "after waiting the window is fresh"
        );
    }

    #[test]
    fn a_jump_up_in_remaining_starts_a_new_window() {
        let mut w = RateWindow::default();
        w.observe(0.0, Some(60), Some(3));
        w.observe(50.0, Some(60), Some(59));
        assert_eq!(w.window_start, Some(50.0));
    }

    #[test]
    fn an_issuing_request_is_retried_only_when_it_certainly_never_reached_runcloud() {
        let p = Policy {
            issuing: true,
            ..policy()
        };
        for f in [
            Failure::Timeout,
            Failure::Reset,
            Failure::Status(500),
            Failure::Status(502),
            Failure::Status(503),
            Failure::Status(504),
            Failure::Status(520),
            Failure::Status(524),
        ] {
            assert_eq!(
                p.decide(f, 0, Duration::ZERO, None, 0.5),
                Decision::Stop,
                "{f:?} may have placed an order"
            );
            assert!(
                matches!(
                    policy().decide(f, 0, Duration::ZERO, None, 0.5),
                    Decision::Retry(_)
                ),
                "{f:?} is retried for other requests"
            );
        }
        for f in [
            Failure::Connect,
            Failure::Status(429),
            Failure::Status(521),
            Failure::Status(522),
            Failure::Status(523),
        ] {
            assert!(
                matches!(
                    p.decide(f, 0, Duration::ZERO, None, 0.5),
                    Decision::Retry(_)
                ),
                "{f:?} never reached RunCloud"
            );
        }
    }
}
