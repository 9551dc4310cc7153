//! Values worked out once and kept: the engine's caches of deterministic answers, and the
//! seeds they are derived from.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;

/// A map of values made on first use. Racing first requests may both make one; the first
/// stored wins, so every later reader sees one value.
pub struct Memo<K, V>(RwLock<HashMap<K, V>>);

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo(RwLock::new(HashMap::new()))
    }
}

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    /// The value cached under `key`, made by `make` the first time.
    pub fn get_or_make(&self, key: K, make: impl FnOnce() -> V) -> V {
        if let Some(found) = self.0.read().ok().and_then(|c| c.get(&key).cloned()) {
            return found;
        }
        let made = make();
        match self.0.write() {
            Ok(mut cache) => cache.entry(key).or_insert(made).clone(),
            Err(_) => made,
        }
    }
}

/// FNV-1a over the parts: a seed derivation that must not change between Rust releases (the
/// standard library's hashers promise no stability), too small to warrant a crate.
pub fn stable_hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}
