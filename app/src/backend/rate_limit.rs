//! Sign-in throttling, in memory (each Usher instance counts its own attempts):
//! - per client address, a token bucket over every attempt;
//! - per account *and* address, a few failures in a window, so that a stranger guessing from
//!   their own address locks out only themselves, never the owner signing in from elsewhere;
//! - per account, a ceiling ten times higher for failures from everywhere at once (a guess
//!   spread over many addresses).
//!
//! Keys are fixed-size digests, never the text a stranger typed, and each map holds at most
//! `MAX_TRACKED` entries, so the limiter's memory is bounded whatever is sent.

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

const MAX_TRACKED: usize = 100_000;
/// How many times the per-address failures an account takes from all addresses together.
const ACCOUNT_CEILING_FACTOR: u32 = 10;

type Key = [u8; 16];

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

#[derive(Debug, Default)]
struct FailureMap(HashMap<Key, Failures>);

impl FailureMap {
    fn blocked(&self, key: &Key, limit: u32, window: TimeDelta, now: DateTime<Utc>) -> Option<u64> {
        let f = self.0.get(key)?;
        let elapsed = now - f.window_start;
        (f.count >= limit && elapsed < window)
            .then(|| (window - elapsed).num_seconds().max(1) as u64)
    }

    fn record(&mut self, key: Key, window: TimeDelta, now: DateTime<Utc>) {
        if self.0.len() >= MAX_TRACKED && !self.0.contains_key(&key) {
            self.0.retain(|_, f| now - f.window_start < window);
            if self.0.len() >= MAX_TRACKED {
                // Still full of live windows: keep the worst offenders, forget single slips.
                self.0.retain(|_, f| f.count > 1);
            }
            if self.0.len() >= MAX_TRACKED {
                return;
            }
        }
        let entry = self.0.entry(key).or_insert(Failures {
            count: 0,
            window_start: now,
        });
        if now - entry.window_start >= window {
            *entry = Failures {
                count: 0,
                window_start: now,
            };
        }
        entry.count = entry.count.saturating_add(1);
    }
}

fn digest(parts: &[&[u8]]) -> Key {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u32).to_le_bytes());
        hasher.update(part);
    }
    let full = hasher.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&full[..16]);
    key
}

fn ip_bytes(ip: Option<IpAddr>) -> Vec<u8> {
    match ip {
        Some(IpAddr::V4(v4)) => v4.octets().to_vec(),
        Some(IpAddr::V6(v6)) => v6.octets().to_vec(),
        None => Vec::new(),
    }
}

#[derive(Debug)]
pub struct SignInLimiter {
    per_ip_per_minute: u32,
    failures_per_account: u32,
    window: TimeDelta,
    ips: Mutex<HashMap<IpAddr, Bucket>>,
    pairs: Mutex<FailureMap>,
    accounts: Mutex<FailureMap>,
}

impl SignInLimiter {
    pub fn new(per_ip_per_minute: u32, failures_per_account: u32, window: TimeDelta) -> Self {
        Self {
            per_ip_per_minute,
            failures_per_account,
            window,
            ips: Mutex::new(HashMap::new()),
            pairs: Mutex::new(FailureMap::default()),
            accounts: Mutex::new(FailureMap::default()),
        }
    }

    /// Takes one attempt from the IP's bucket; `Err(seconds)` says how long to wait.
    pub fn check_ip(&self, ip: IpAddr, now: DateTime<Utc>) -> Result<(), u64> {
        let capacity = f64::from(self.per_ip_per_minute.max(1));
        let per_second = capacity / 60.0;
        let mut ips = self.ips.lock().expect("limiter lock");
        if ips.len() >= MAX_TRACKED && !ips.contains_key(&ip) {
            // A bucket refilled to the brim is the same as no bucket.
            let full = TimeDelta::seconds(60);
            ips.retain(|_, b| now - b.updated < full);
            if ips.len() >= MAX_TRACKED {
                return Err(1);
            }
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

    fn keys(account: &str, ip: Option<IpAddr>) -> (Key, Key) {
        let account = account.as_bytes();
        (digest(&[account, &ip_bytes(ip)]), digest(&[account]))
    }

    /// `Err(seconds)` while the account has used up its failures from this address, or its
    /// ceiling from all addresses, for the window.
    pub fn check_account(
        &self,
        account: &str,
        ip: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<(), u64> {
        let (pair, whole) = Self::keys(account, ip);
        let limit = self.failures_per_account;
        let ceiling = limit.saturating_mul(ACCOUNT_CEILING_FACTOR);
        let pairs = self.pairs.lock().expect("limiter lock");
        if let Some(wait) = pairs.blocked(&pair, limit, self.window, now) {
            return Err(wait);
        }
        drop(pairs);
        let accounts = self.accounts.lock().expect("limiter lock");
        match accounts.blocked(&whole, ceiling, self.window, now) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, account: &str, ip: Option<IpAddr>, now: DateTime<Utc>) {
        let (pair, whole) = Self::keys(account, ip);
        self.pairs
            .lock()
            .expect("limiter lock")
            .record(pair, self.window, now);
        self.accounts
            .lock()
            .expect("limiter lock")
            .record(whole, self.window, now);
    }

    /// A success from an address clears that address's failures; the account-wide count stays,
    /// so a guess spread over many addresses is not reset by the owner signing in meanwhile.
    pub fn record_success(&self, account: &str, ip: Option<IpAddr>) {
        let (pair, _) = Self::keys(account, ip);
        self.pairs.lock().expect("limiter lock").0.remove(&pair);
    }

    /// Entries held, for tests that the limiter stays bounded.
    pub fn tracked(&self) -> usize {
        self.ips.lock().expect("limiter lock").len()
            + self.pairs.lock().expect("limiter lock").0.len()
            + self.accounts.lock().expect("limiter lock").0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn an_ip_gets_its_burst_then_waits_for_refill() {
        let limiter = SignInLimiter::new(6, 10, TimeDelta::minutes(15));
        let addr: IpAddr = "203.0.113.9".parse().unwrap();
        for _ in 0..6 {
            assert!(limiter.check_ip(addr, t(0)).is_ok());
        }
        assert_eq!(limiter.check_ip(addr, t(0)), Err(10));
        assert!(limiter
            .check_ip("203.0.113.10".parse().unwrap(), t(0))
            .is_ok());
        assert!(
            limiter.check_ip(addr, t(10)).is_ok(),
            "one token back after 10 s at 6/min"
        );
    }

    #[test]
    fn failures_lock_the_guessing_address_not_the_owner() {
        let limiter = SignInLimiter::new(60, 3, TimeDelta::minutes(15));
        let stranger = ip("198.51.100.7");
        for _ in 0..3 {
            assert!(limiter
                .check_account("ada@example.com", stranger, t(0))
                .is_ok());
            limiter.record_failure("ada@example.com", stranger, t(0));
        }
        assert_eq!(
            limiter.check_account("ada@example.com", stranger, t(60)),
            Err(840)
        );
        assert!(
            limiter
                .check_account("ada@example.com", ip("203.0.113.1"), t(60))
                .is_ok(),
            "the owner elsewhere still signs in"
        );
        assert!(limiter
            .check_account("bob@example.com", stranger, t(60))
            .is_ok());
        assert!(limiter
            .check_account("ada@example.com", stranger, t(900))
            .is_ok());
    }

    #[test]
    fn a_guess_spread_over_many_addresses_meets_the_account_ceiling() {
        let limiter = SignInLimiter::new(60, 3, TimeDelta::minutes(15));
        for n in 0..30u8 {
            let from = Some(IpAddr::from([198, 51, 100, n]));
            limiter.record_failure("ada@example.com", from, t(0));
        }
        assert!(limiter
            .check_account("ada@example.com", ip("203.0.113.1"), t(1))
            .is_err());
        assert!(limiter
            .check_account("ada@example.com", ip("203.0.113.1"), t(901))
            .is_ok());
    }

    #[test]
    fn success_clears_the_address_failures() {
        let limiter = SignInLimiter::new(60, 2, TimeDelta::minutes(15));
        let home = ip("203.0.113.1");
        limiter.record_failure("ada@example.com", home, t(0));
        limiter.record_success("ada@example.com", home);
        limiter.record_failure("ada@example.com", home, t(1));
        assert!(limiter.check_account("ada@example.com", home, t(2)).is_ok());
    }

    #[test]
    fn the_maps_stay_bounded_whatever_is_typed() {
        let limiter = SignInLimiter::new(60, 10, TimeDelta::minutes(15));
        let long = "x".repeat(10_000);
        for n in 0..1_000 {
            limiter.record_failure(&format!("{long}{n}"), ip("198.51.100.7"), t(0));
        }
        // Two fixed-size keys per failure, whatever the account's length.
        assert_eq!(limiter.tracked(), 2_000);
        assert_eq!(std::mem::size_of::<Key>(), 16);
    }
}
