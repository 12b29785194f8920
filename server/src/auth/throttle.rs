//! Slows down password guessing: after [`FREE_FAILURES`] failed sign-ins for the same
//! customer+username, or from the same client address, each further attempt must wait twice as
//! long as the one before (1 s, 2 s, 4 s, … up to 15 minutes). The keys are what the client
//! typed, so the answer is the same whether the customer, the user or the password was wrong.
//!
//! The counters live in the process: several server processes (replicas on one PostgreSQL
//! database) each keep their own. That is a documented bound, not a gap: behind N replicas a
//! guesser gets at most N times the attempts of one process, and since each process' wait
//! doubles per failure, N replicas only buy about log2(N) doublings (3 with 8 replicas).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Failed attempts that cost nothing.
pub const FREE_FAILURES: u32 = 5;
/// The longest wait.
const MAX_WAIT_MS: i64 = 15 * 60 * 1000;
/// A key with no failure for this long is forgotten.
const FORGET_AFTER_MS: i64 = 24 * 3600 * 1000;

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last_ms: i64,
}

impl Failures {
    fn wait_until(self) -> i64 {
        if self.count < FREE_FAILURES {
            return self.last_ms;
        }
        let doublings = (self.count - FREE_FAILURES).min(20);
        self.last_ms + (1000_i64 << doublings).min(MAX_WAIT_MS)
    }
}

/// Failed sign-in counters by key.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, Failures>>,
}

fn keys(customer_key: &str, username_key: &str, client: Option<IpAddr>) -> Vec<String> {
    let mut keys = vec![format!("user\u{0}{customer_key}\u{0}{username_key}")];
    if let Some(ip) = client {
        keys.push(format!("ip\u{0}{ip}"));
    }
    keys
}

impl SignInThrottle {
    /// `Err(seconds)` when an attempt must wait that many more seconds.
    pub fn check(
        &self,
        customer_key: &str,
        username_key: &str,
        client: Option<IpAddr>,
        now_ms: i64,
    ) -> Result<(), i64> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let until = keys(customer_key, username_key, client)
            .iter()
            .filter_map(|k| failures.get(k))
            .map(|f| f.wait_until())
            .max()
            .unwrap_or(0);
        if until > now_ms {
            Err((until - now_ms + 999) / 1000)
        } else {
            Ok(())
        }
    }

    /// Counts a failed attempt.
    pub fn failed(
        &self,
        customer_key: &str,
        username_key: &str,
        client: Option<IpAddr>,
        now_ms: i64,
    ) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > 100_000 {
            failures.retain(|_, f| now_ms - f.last_ms < FORGET_AFTER_MS);
        }
        for key in keys(customer_key, username_key, client) {
            let entry = failures.entry(key).or_insert(Failures {
                count: 0,
                last_ms: now_ms,
            });
            entry.count = entry.count.saturating_add(1);
            entry.last_ms = now_ms;
        }
    }

    /// A successful sign-in clears the account's counter (not the address's: one good password
    /// must not reset guessing at other accounts from the same address).
    pub fn succeeded(&self, customer_key: &str, username_key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&keys(customer_key, username_key, None)[0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free_then_waits_double() {
        let t = SignInThrottle::default();
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        for _ in 0..FREE_FAILURES {
            assert!(t.check("acme", "bob", ip, 0).is_ok());
            t.failed("acme", "bob", ip, 0);
        }
        assert_eq!(t.check("acme", "bob", ip, 0), Err(1));
        assert!(t.check("acme", "bob", ip, 1000).is_ok());
        t.failed("acme", "bob", ip, 1000);
        assert_eq!(t.check("acme", "bob", ip, 1000), Err(2));
        // Another account from the same address waits too; the same account from elsewhere too.
        assert!(t.check("acme", "eve", ip, 1000).is_err());
        assert!(t.check("acme", "bob", None, 1000).is_err());
        t.succeeded("acme", "bob");
        assert!(t.check("acme", "bob", None, 1000).is_ok());
    }

    #[test]
    fn waits_are_capped() {
        let t = SignInThrottle::default();
        for _ in 0..60 {
            t.failed("a", "b", None, 0);
        }
        assert_eq!(t.check("a", "b", None, 0), Err(MAX_WAIT_MS / 1000));
    }
}
