//! Sign-in throttling per IP address (a token bucket) and per account (failures in a window).
//! In memory: each Usher instance counts its own attempts.

use chrono::{DateTime, TimeDelta, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

const MAX_TRACKED: usize = 100_000;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: DateTime<Utc>,
}

#[derive(Debug)]
struct Failures {
    count: u32,
    window_start: DateTime<Utc>,
}

#[derive(Debug)]
pub struct SignInLimiter {
    per_ip_per_minute: u32,
    failures_per_account: u32,
    window: TimeDelta,
    ips: Mutex<HashMap<IpAddr, Bucket>>,
    accounts: Mutex<HashMap<String, Failures>>,
}

impl SignInLimiter {
    pub fn new(per_ip_per_minute: u32, failures_per_account: u32, window: TimeDelta) -> Self {
        Self {
            per_ip_per_minute,
            failures_per_account,
            window,
            ips: Mutex::new(HashMap::new()),
            accounts: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt from the IP's bucket; `Err(seconds)` says how long to wait.
    pub fn check_ip(&self, ip: IpAddr, now: DateTime<Utc>) -> Result<(), u64> {
        let capacity = f64::from(self.per_ip_per_minute.max(1));
        let per_second = capacity / 60.0;
        let mut ips = self.ips.lock().expect("limiter lock");
        if ips.len() > MAX_TRACKED {
            ips.retain(|_, b| (now - b.updated) < TimeDelta::minutes(1));
        }
        let bucket = ips.entry(ip).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = (now - bucket.updated).num_milliseconds().max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / per_second).ceil() as u64)
        }
    }

    /// `Err(seconds)` while the account has used up its failures for the window.
    pub fn check_account(&self, account: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let accounts = self.accounts.lock().expect("limiter lock");
        match accounts.get(account) {
            Some(f)
                if f.count >= self.failures_per_account && now - f.window_start < self.window =>
            {
                Err((self.window - (now - f.window_start)).num_seconds().max(1) as u64)
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, account: &str, now: DateTime<Utc>) {
        let mut accounts = self.accounts.lock().expect("limiter lock");
        if accounts.len() > MAX_TRACKED {
            let window = self.window;
            accounts.retain(|_, f| now - f.window_start < window);
        }
        let entry = accounts.entry(account.to_string()).or_insert(Failures {
            count: 0,
            window_start: now,
        });
        if now - entry.window_start >= self.window {
            *entry = Failures {
                count: 0,
                window_start: now,
            };
        }
        entry.count += 1;
    }

    pub fn record_success(&self, account: &str) {
        self.accounts.lock().expect("limiter lock").remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn an_ip_gets_its_burst_then_waits_for_refill() {
        let limiter = SignInLimiter::new(6, 10, TimeDelta::minutes(15));
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        for _ in 0..6 {
            assert!(limiter.check_ip(ip, t(0)).is_ok());
        }
        assert_eq!(limiter.check_ip(ip, t(0)), Err(10));
        assert!(limiter
            .check_ip("203.0.113.10".parse().unwrap(), t(0))
            .is_ok());
        assert!(
            limiter.check_ip(ip, t(10)).is_ok(),
            "one token back after 10 s at 6/min"
        );
    }

    #[test]
    fn an_account_locks_after_its_failures_and_unlocks_after_the_window() {
        let limiter = SignInLimiter::new(60, 3, TimeDelta::minutes(15));
        for _ in 0..3 {
            assert!(limiter.check_account("ada@example.com", t(0)).is_ok());
            limiter.record_failure("ada@example.com", t(0));
        }
        assert_eq!(limiter.check_account("ada@example.com", t(60)), Err(840));
        assert!(limiter.check_account("bob@example.com", t(60)).is_ok());
        assert!(limiter.check_account("ada@example.com", t(900)).is_ok());
    }

    #[test]
    fn success_clears_failures() {
        let limiter = SignInLimiter::new(60, 2, TimeDelta::minutes(15));
        limiter.record_failure("ada@example.com", t(0));
        limiter.record_success("ada@example.com");
        limiter.record_failure("ada@example.com", t(1));
        assert!(limiter.check_account("ada@example.com", t(2)).is_ok());
    }
}
