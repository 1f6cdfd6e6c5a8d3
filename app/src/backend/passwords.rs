//! Argon2id password hashing at the OWASP parameters, off the async threads, through a gate that
//! refuses work it cannot start soon instead of queueing it without bound.
//!
//! Hashes run on a fixed set of threads of their own, one per core, never on tokio's blocking
//! pool: each hash takes 19 MiB, and the allocator keeps that much resident per thread that ever
//! hashed, so hundreds of pool threads taking turns grew the server by hundreds of megabytes.
//! A hashing thread keeps its 19 MiB between hashes while sign-ins keep coming and gives them
//! back to the system once it has had nothing to do for a few seconds, so an idle server holds
//! none of it.

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use flume::RecvTimeoutError;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{oneshot, Semaphore};

/// OWASP (2023): Argon2id, 19 MiB, 2 passes, 1 lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters")
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

thread_local! {
    /// The 19 MiB an Argon2 computation works in, kept by each thread that hashes and used
    /// again for its next hash: no allocation per sign-in, so nothing for the allocator to keep.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn with_blocks<T>(count: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < count {
            blocks.resize(count, Block::default());
        }
        work(&mut blocks[..count])
    })
}

/// How long a hashing thread keeps its blocks with nothing to do.
const KEEP_BLOCKS: Duration = Duration::from_secs(5);

/// Gives this thread's blocks back: dropped, and the allocator asked to return what is free to
/// the system (glibc would otherwise keep a freed 19 MiB in its arena for the next allocation).
fn release_blocks() {
    let held = BLOCKS.with(|blocks| std::mem::take(&mut *blocks.borrow_mut()));
    if held.is_empty() {
        return;
    }
    drop(held);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only hands memory the allocator holds as free back to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Verifying against this when there is no account makes an unknown email cost the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now("a password nobody has, for timing"))
}

/// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), as the argon2 crate writes them.
fn hash_now(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buffer = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buffer)
        .expect("a fresh salt decodes");
    let params = params();
    let mut out = [0u8; 32];
    with_blocks(params.block_count(), |blocks| {
        argon2().hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, blocks)
    })
    .expect("argon2 hashing");
    let output = Output::new(&out).expect("a 32-byte output");
    format!(
        "$argon2id$v=19$m={},t={},p={}${}${output}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        salt.as_str()
    )
}

/// Checks `password` against a PHC string with its own parameters, in the thread's memory.
fn verify_now(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let mut salt_buffer = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let hashed = with_blocks(params.block_count(), |blocks| {
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            blocks,
        )
    });
    // `Output` compares in constant time.
    hashed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks are waiting")]
pub struct Busy;

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads: `count` of them, taking jobs from one queue, for as long as the process.
/// `holding` counts those that hold their blocks now.
fn hashing_threads(count: usize, keep: Duration, holding: Arc<AtomicUsize>) -> flume::Sender<Job> {
    // Each thread waits on the queue with a timeout of its own (a shared `mpsc` receiver behind
    // a mutex would let one idle thread keep timing out while another, holding its memory,
    // waited on the lock for good).
    let (sender, receiver) = flume::unbounded::<Job>();
    for n in 0..count {
        let receiver = receiver.clone();
        let holding = holding.clone();
        std::thread::Builder::new()
            .name(format!("argon2-{n}"))
            .spawn(move || {
                let mut holds = false;
                loop {
                    let job = receiver.recv_timeout(keep);
                    match job {
                        // A job that panics answers nothing (its caller is told Busy); the
                        // thread stays for the next.
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            if !holds && BLOCKS.with(|b| !b.borrow().is_empty()) {
                                holds = true;
                                holding.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                        // Nothing to do for `keep`: the memory goes back.
                        Err(RecvTimeoutError::Timeout) => {
                            if holds {
                                release_blocks();
                                holds = false;
                                holding.fetch_sub(1, Ordering::SeqCst);
                            }
                        }
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            .expect("a hashing thread");
    }
    sender
}

/// Runs at most one hash per core and lets at most `max_waiting` more wait for a turn.
#[derive(Clone)]
pub struct PasswordGate {
    running: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    threads: flume::Sender<Job>,
    holding: Arc<AtomicUsize>,
}

impl PasswordGate {
    pub fn new(parallel: usize, max_waiting: usize) -> Self {
        Self::keeping_blocks(parallel, max_waiting, KEEP_BLOCKS)
    }

    /// `new`, with each thread giving its blocks back after `keep` with nothing to do.
    fn keeping_blocks(parallel: usize, max_waiting: usize, keep: Duration) -> Self {
        let parallel = parallel.max(1);
        let holding = Arc::new(AtomicUsize::new(0));
        Self {
            running: Arc::new(Semaphore::new(parallel)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting,
            threads: hashing_threads(parallel, keep, holding.clone()),
            holding,
        }
    }

    /// How many of the hashing threads hold their 19 MiB now.
    pub fn threads_holding_memory(&self) -> usize {
        self.holding.load(Ordering::SeqCst)
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
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.threads.send(job).map_err(|_| Busy)?;
        result.await.map_err(|_| Busy)
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
    // A pool thread may never hash again: it gives its blocks back at once.
    tokio::task::spawn_blocking(move || {
        let hash = hash_now(&password);
        release_blocks();
        hash
    })
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

    #[test]
    fn hashes_agree_with_the_argon2_crates_own() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        // Hashes stored before (written by the crate) verify here, and ours verify there.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon2()
            .hash_password(b"paper lantern river", &salt)
            .unwrap()
            .to_string();
        assert!(verify_now("paper lantern river", &theirs));
        assert!(!verify_now("paper lantern rivet", &theirs));
        let ours = hash_now("paper lantern river");
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2()
            .verify_password(b"paper lantern river", &parsed)
            .is_ok());
        // Other parameters (a hash from older settings) are read from the hash itself.
        let light = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        );
        let older = light.hash_password(b"old one", &salt).unwrap().to_string();
        assert!(verify_now("old one", &older));
        assert!(!verify_now("old one", &older.replace("m=8192", "m=8193")));
    }

    #[tokio::test]
    async fn an_idle_gate_gives_its_memory_back() {
        let gate = PasswordGate::keeping_blocks(2, 4, Duration::from_millis(200));
        assert_eq!(gate.threads_holding_memory(), 0);
        let (a, b) = tokio::join!(gate.hash("one password".into()), gate.hash("two".into()));
        assert!(a.is_ok() && b.is_ok());
        // Sign-ins that keep coming reuse the blocks; once they stop, each thread lets go.
        gate.verify("x".into(), None).await.unwrap();
        assert!(holding_becomes(&gate, |n| n >= 1, Duration::from_millis(150)).await);
        assert!(holding_becomes(&gate, |n| n == 0, Duration::from_secs(5)).await);
    }

    #[tokio::test]
    async fn one_sign_in_on_an_idle_server_gives_its_memory_back() {
        // Two threads, one hash: the thread that hashed must let go even while the other,
        // holding nothing, keeps waiting for work.
        let gate = PasswordGate::keeping_blocks(2, 4, Duration::from_millis(200));
        gate.hash("a single sign-in".into()).await.unwrap();
        assert!(holding_becomes(&gate, |n| n == 1, Duration::from_millis(150)).await);
        assert!(holding_becomes(&gate, |n| n == 0, Duration::from_secs(5)).await);
    }

    /// Whether the count of threads holding memory meets `wanted` within `within` (the count
    /// moves just after a job has answered).
    async fn holding_becomes(
        gate: &PasswordGate,
        wanted: impl Fn(usize) -> bool,
        within: Duration,
    ) -> bool {
        let deadline = std::time::Instant::now() + within;
        loop {
            if wanted(gate.threads_holding_memory()) {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
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
