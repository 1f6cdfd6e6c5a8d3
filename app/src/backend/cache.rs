//! What an instance remembers between requests: signed-in sessions and directory pages.
//!
//! Everything remembered belongs to one cache epoch, a number the database raises in the same
//! transaction as any change those answers are built from (migration m0006). Every request
//! reads the epoch once, before anything else; an entry from another epoch is never used. So a
//! deactivated user, an ended session or a renamed entity is seen by the very next request on
//! every instance, exactly as without the cache: the cache only saves re-reading what provably
//! has not changed.

use super::directory::{Page, PageKey};
use super::sessions::CachedSession;
use crate::domain::Catalogue;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Signed-in sessions remembered at most; beyond it the map starts again.
const SESSIONS: usize = 10_000;
/// Directory pages remembered at most (a page of 50 rows is some tens of kilobytes).
const PAGES: usize = 256;

/// The caches one `Db` keeps (its clones share them).
pub struct Caches {
    /// Epoch reads shared by the requests that arrive together.
    pub epoch_reads: Arc<GroupRead>,
    pub sessions: EpochMap<String, Arc<CachedSession>>,
    /// Each page with the time it was read.
    pub pages: EpochMap<PageKey, (DateTime<Utc>, Arc<Page>)>,
    /// Every role and what it carries (`roles::catalogue`).
    pub catalogue: EpochMap<(), Arc<Catalogue>>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            epoch_reads: Arc::default(),
            sessions: EpochMap::new(SESSIONS),
            pages: EpochMap::new(PAGES),
            catalogue: EpochMap::new(1),
        }
    }
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches").finish_non_exhaustive()
    }
}

type Answer = Option<Result<i64, String>>;

/// Reads of one number that requests arriving together share, without ever answering a
/// request with a read that began before it arrived: at most one read runs at a time, and the
/// requests that arrive meanwhile wait together for the next one, which starts after the last
/// of them arrived. So each answer is at least as new as a read of its own would have been,
/// and under load one round trip serves many requests.
#[derive(Default)]
pub struct GroupRead {
    state: Mutex<GroupState>,
}

#[derive(Default)]
struct GroupState {
    /// A reader task is running.
    reading: bool,
    /// The requests waiting for the next read.
    next: Option<tokio::sync::watch::Sender<Answer>>,
}

impl GroupRead {
    fn lock(&self) -> std::sync::MutexGuard<'_, GroupState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Joins the next read, starting the reader task when none runs. `read` performs one read;
    /// it runs in its own task, so a request that goes away never strands the others.
    pub async fn read<F, Fut>(self: &Arc<Self>, read: F) -> Result<i64, String>
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<i64, String>> + Send + 'static,
    {
        let mut answer = {
            let mut state = self.lock();
            let receiver = state
                .next
                .get_or_insert_with(|| tokio::sync::watch::channel(None).0)
                .subscribe();
            if !state.reading {
                state.reading = true;
                tokio::spawn(Self::reader(self.clone(), read));
            }
            receiver
        };
        let value = match answer.wait_for(Option::is_some).await {
            Ok(value) => value.clone().expect("waited for an answer"),
            Err(_) => Err("the epoch reader stopped".into()),
        };
        value
    }

    /// Serves one waiting group after another until nobody waits.
    async fn reader<F, Fut>(group: Arc<Self>, read: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<i64, String>>,
    {
        /// If a read panics: the group that joined meanwhile is told the reader stopped (it
        /// would otherwise wait for a reader nobody starts until another request arrives), and
        /// the next request starts a reader of its own.
        struct Running(Arc<GroupRead>, bool);
        impl Drop for Running {
            fn drop(&mut self) {
                if self.1 {
                    let mut state = self.0.lock();
                    state.reading = false;
                    state.next = None;
                }
            }
        }
        let mut running = Running(group.clone(), true);
        loop {
            let waiting = {
                let mut state = group.lock();
                match state.next.take() {
                    Some(waiting) => waiting,
                    None => {
                        state.reading = false;
                        running.1 = false;
                        return;
                    }
                }
            };
            // Every member of `waiting` arrived before this read starts.
            let value = read().await;
            waiting.send_replace(Some(value));
        }
    }
}

/// A bounded map whose entries all belong to one epoch.
pub struct EpochMap<K, V> {
    inner: Mutex<Generation<K, V>>,
    capacity: usize,
}

struct Generation<K, V> {
    epoch: i64,
    entries: HashMap<K, V>,
}

impl<K: Eq + Hash, V: Clone> EpochMap<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Generation {
                epoch: i64::MIN,
                entries: HashMap::new(),
            }),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generation<K, V>> {
        // A panic while holding the lock leaves nothing half-written worth refusing.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The entry for `key` if it was stored under exactly this epoch.
    pub fn get(&self, epoch: i64, key: &K) -> Option<V> {
        let generation = self.lock();
        if generation.epoch != epoch {
            return None;
        }
        generation.entries.get(key).cloned()
    }

    /// Remembers `value`, built from what the database held at `epoch` (read before the
    /// value's own reads). A newer epoch forgets everything older; an older one is not kept.
    pub fn put(&self, epoch: i64, key: K, value: V) {
        let mut generation = self.lock();
        if epoch < generation.epoch {
            return;
        }
        if epoch > generation.epoch {
            generation.entries.clear();
            generation.epoch = epoch;
        }
        if generation.entries.len() >= self.capacity && !generation.entries.contains_key(&key) {
            generation.entries.clear();
        }
        generation.entries.insert(key, value);
    }

    pub fn remove(&self, key: &K) {
        self.lock().entries.remove(key);
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::{EpochMap, GroupRead};
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_group_read_is_never_older_than_its_request_and_is_shared() {
        let group = Arc::new(GroupRead::default());
        let committed = Arc::new(AtomicI64::new(0));
        let reads = Arc::new(AtomicUsize::new(0));
        let requests: Vec<_> = (0..300)
            .map(|i| {
                let (group, committed, reads) = (group.clone(), committed.clone(), reads.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_micros(i * 37 % 5_000)).await;
                    // A change commits, then a request asks: it must see at least that change.
                    let mine = committed.fetch_add(1, SeqCst) + 1;
                    let read = move || {
                        let (committed, reads) = (committed.clone(), reads.clone());
                        async move {
                            reads.fetch_add(1, SeqCst);
                            let snapshot = committed.load(SeqCst);
                            tokio::time::sleep(std::time::Duration::from_micros(300)).await;
                            Ok(snapshot)
                        }
                    };
                    let seen = group.read(read).await.unwrap();
                    assert!(
                        seen >= mine,
                        "answered {seen} to a request made after {mine}"
                    );
                })
            })
            .collect();
        for request in requests {
            request.await.unwrap();
        }
        let reads = reads.load(SeqCst);
        assert!(
            reads < 300,
            "{reads} reads for 300 requests: nothing shared"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_read_strands_no_request() {
        let group = Arc::new(GroupRead::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let ask = |group: Arc<GroupRead>, calls: Arc<AtomicUsize>| {
            tokio::spawn(async move {
                let read = move || {
                    let calls = calls.clone();
                    async move {
                        // The first read panics while the second request waits for the next.
                        let first = calls.fetch_add(1, SeqCst) == 0;
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        assert!(!first, "the database went away mid-read");
                        Ok(7)
                    }
                };
                group.read(read).await
            })
        };
        let first = ask(group.clone(), calls.clone());
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let second = ask(group.clone(), calls.clone());
        let within = std::time::Duration::from_secs(5);
        let first = tokio::time::timeout(within, first)
            .await
            .expect("first answered");
        let second = tokio::time::timeout(within, second)
            .await
            .expect("the request waiting for the next read is answered");
        assert!(first.unwrap().is_err());
        assert!(second.unwrap().is_err());
        // And the next request starts a reader of its own.
        let third = ask(group.clone(), calls.clone());
        assert_eq!(third.await.unwrap(), Ok(7));
    }

    #[test]
    fn an_entry_is_used_only_in_its_own_epoch() {
        let map = EpochMap::new(2);
        map.put(5, "a", 1);
        assert_eq!(map.get(5, &"a"), Some(1));
        assert_eq!(map.get(6, &"a"), None, "a newer epoch never sees it");
        assert_eq!(map.get(4, &"a"), None);

        // Built from an older read: not kept, and the newer entries stay.
        map.put(4, "b", 2);
        assert_eq!(map.get(4, &"b"), None);
        assert_eq!(map.get(5, &"a"), Some(1));

        // A newer epoch forgets the older entries.
        map.put(7, "b", 3);
        assert_eq!(map.get(7, &"a"), None);
        assert_eq!(map.get(7, &"b"), Some(3));
    }

    #[test]
    fn it_stays_within_its_capacity() {
        let map = EpochMap::new(2);
        map.put(1, 1, 1);
        map.put(1, 2, 2);
        map.put(1, 2, 20);
        assert_eq!(map.len(), 2, "replacing an entry keeps the others");
        map.put(1, 3, 3);
        assert_eq!(map.len(), 1);
        assert_eq!(map.get(1, &3), Some(3));
    }
}
