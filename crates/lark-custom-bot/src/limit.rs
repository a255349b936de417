//! Staying under the webhook's rate limit: a client-side sliding window, and backoff when the
//! platform says "too many" anyway (other processes may post through the same bot).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// A client-side rate limit: at most `count` posts in any window of `per`, for each window.
///
/// The default is the platform's limit for one custom bot: 5 per second and 100 per minute.
/// Posts over the limit wait (with the backend's timer) instead of failing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct RateLimit {
    windows: Vec<(u32, Duration)>,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::none()
            .allow(5, Duration::from_secs(1))
            .allow(100, Duration::from_secs(60))
    }
}

impl RateLimit {
    /// The platform's limit for one custom bot: 5 per second and 100 per minute.
    pub fn custom_bot() -> Self {
        Self::default()
    }

    /// No window yet: add some with [`RateLimit::allow`].
    pub fn none() -> Self {
        Self {
            windows: Vec::new(),
        }
    }

    /// Allows at most `count` posts in any window of `per`. A `count` of 0 is taken as 1.
    pub fn allow(mut self, count: u32, per: Duration) -> Self {
        self.windows.push((count.max(1), per));
        self
    }
}

/// Times of past and reserved posts, in milliseconds, oldest first.
#[derive(Debug)]
pub(crate) struct Limiter {
    limit: RateLimit,
    slots: Mutex<VecDeque<u64>>,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            slots: Mutex::new(VecDeque::new()),
        }
    }

    /// Reserves the earliest time at or after `now` when one more post keeps every window
    /// under its count, and returns it. The caller sleeps until then.
    pub(crate) fn reserve(&self, now: u64) -> u64 {
        let longest = self
            .limit
            .windows
            .iter()
            .map(|(_, per)| millis(*per))
            .max()
            .unwrap_or(0);
        // A poisoned lock only means another caller panicked mid-update of a plain list of
        // numbers; the list is still usable.
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while slots
            .front()
            .is_some_and(|&t| t.saturating_add(longest) <= now)
        {
            slots.pop_front();
        }
        // Reserved times never go backwards, so the list stays sorted.
        let mut at = slots.back().map_or(now, |&last| last.max(now));
        for &(count, per) in &self.limit.windows {
            let count = count as usize;
            if slots.len() >= count {
                // The `count`-th most recent post must have left the window.
                at = at.max(slots[slots.len() - count].saturating_add(millis(per)));
            }
        }
        slots.push_back(at);
        // Only the last `max count` entries can ever constrain a later reservation.
        let keep = self
            .limit
            .windows
            .iter()
            .map(|(count, _)| *count as usize)
            .max()
            .unwrap_or(0);
        while slots.len() > keep {
            slots.pop_front();
        }
        at
    }
}

/// Retrying a post the platform refused as rate-limited (code 11232 or HTTP 429).
///
/// The delay doubles from `base_delay` up to `max_delay`. Other errors are never retried: a
/// post that may have reached the group is not sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Up to 4 attempts, waiting 1 s, 2 s, then 4 s.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retry: a rate-limited post fails at once.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// At most `attempts` posts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest wait between two attempts.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The number of attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait after failed attempt number `attempt` (1 for the first).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_per_second_then_waits() {
        let limiter = Limiter::new(RateLimit::default());
        let slots: Vec<u64> = (0..7).map(|_| limiter.reserve(10_000)).collect();
        assert_eq!(
            slots,
            [10_000, 10_000, 10_000, 10_000, 10_000, 11_000, 11_000]
        );
    }

    #[test]
    fn hundred_per_minute() {
        let limiter = Limiter::new(RateLimit::default());
        let mut now = 0;
        let mut slots = Vec::new();
        for _ in 0..101 {
            let at = limiter.reserve(now);
            now = at; // the caller sleeps until its slot
            slots.push(at);
        }
        // 5 per second: posts 0..=99 fill seconds 0..=19; post 100 must wait for post 0 to
        // leave the one-minute window.
        assert_eq!(slots[99], 19_000);
        assert_eq!(slots[100], 60_000);
        // Any window of a minute holds at most 100, any second at most 5.
        for (i, &t) in slots.iter().enumerate() {
            assert!(slots[i..].iter().take_while(|&&u| u < t + 60_000).count() <= 100);
            assert!(slots[i..].iter().take_while(|&&u| u < t + 1_000).count() <= 5);
        }
    }

    #[test]
    fn idle_time_frees_the_window() {
        let limiter = Limiter::new(RateLimit::none().allow(2, Duration::from_secs(1)));
        assert_eq!(limiter.reserve(0), 0);
        assert_eq!(limiter.reserve(0), 0);
        assert_eq!(limiter.reserve(0), 1_000);
        assert_eq!(limiter.reserve(5_000), 5_000);
        assert_eq!(limiter.reserve(5_000), 5_000);
        assert_eq!(limiter.reserve(5_100), 6_000);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let policy = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(500));
        let delays: Vec<u128> = (1..=5).map(|a| policy.delay(a).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 500, 500]);
        assert_eq!(policy.delay(200), Duration::from_millis(500));
        assert_eq!(RetryPolicy::none().attempts(), 1);
        assert_eq!(RetryPolicy::none().max_attempts(0).attempts(), 1);
    }
}
