//! Argon2id password hashing at the OWASP parameters, off the async threads, through a gate that
//! refuses work it cannot start soon instead of queueing it without bound.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// OWASP (2023): Argon2id, 19 MiB, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verifying against this when there is no account makes an unknown email cost the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now("a password nobody has, for timing"))
}

fn hash_now(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing")
        .to_string()
}

fn verify_now(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks are waiting")]
pub struct Busy;

/// Runs at most one hash per core and lets at most `max_waiting` more wait for a turn.
#[derive(Clone)]
pub struct PasswordGate {
    running: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
}

impl PasswordGate {
    pub fn new(parallel: usize, max_waiting: usize) -> Self {
        Self {
            running: Arc::new(Semaphore::new(parallel.max(1))),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting,
        }
    }

    /// One slot per core and a queue a few hundred milliseconds deep.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Self::new(cores, cores * 6)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        if self.waiting.fetch_add(1, Ordering::SeqCst)
            >= self.max_waiting + self.running.available_permits()
        {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Busy);
        }
        let permit = self.running.acquire().await.map_err(|_| Busy);
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let _permit = permit?;
        tokio::task::spawn_blocking(work).await.map_err(|_| Busy)
    }

    pub async fn hash(&self, password: String) -> Result<String, Busy> {
        self.run(move || hash_now(&password)).await
    }

    /// `hash` is `None` for an unknown account; the same work is done either way.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, Busy> {
        self.run(move || match hash {
            Some(hash) => verify_now(&password, &hash),
            None => {
                verify_now(&password, dummy_hash());
                false
            }
        })
        .await
    }
}

/// Hashes without the gate, for the command line and seeding.
pub async fn hash_unthrottled(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .expect("hashing task")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let gate = PasswordGate::new(2, 4);
        let hash = gate.hash("paper lantern river".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(gate
            .verify("paper lantern river".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!gate
            .verify("paper lantern rivers".into(), Some(hash))
            .await
            .unwrap());
        assert!(!gate.verify("anything".into(), None).await.unwrap());
        assert!(!gate
            .verify("anything".into(), Some("not a hash".into()))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_full_gate_refuses_instead_of_queueing() {
        let gate = PasswordGate::new(1, 1);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let gate = gate.clone();
            tasks.push(tokio::spawn(async move {
                gate.hash("some long password".into()).await
            }));
        }
        let mut busy = 0;
        for task in tasks {
            if task.await.unwrap().is_err() {
                busy += 1;
            }
        }
        assert!(
            busy >= 1,
            "at least one of 8 simultaneous hashes is refused"
        );
        assert!(busy <= 6, "the running and the waiting ones complete");
    }
}
