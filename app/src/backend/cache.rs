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
    pub sessions: EpochMap<String, Arc<CachedSession>>,
    /// Each page with the time it was read.
    pub pages: EpochMap<PageKey, (DateTime<Utc>, Arc<Page>)>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            sessions: EpochMap::new(SESSIONS),
            pages: EpochMap::new(PAGES),
        }
    }
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches").finish_non_exhaustive()
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
    use super::EpochMap;

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
