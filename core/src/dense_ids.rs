//! Integer ids kept in pages of consecutive ids, for the loops that meet every id many
//! times: the dedupe of `distinct` before its exchange, and the numbering of a graph's
//! vertices (an edge list names each vertex once per edge).
//!
//! Graph ids are mostly integers clustered in ranges. A hash table of a million such
//! ids is tens of megabytes, and each look-up of a random id misses the cache; in pages
//! of 4,096 consecutive ids (a bit or a `u32` per id) the same million take 128 KiB of
//! bits or 4 MiB of indices, found through a table of a few hundred pages that stays
//! in cache (for [`IdIndex`], by its place in the range it was made for). Ids too thinly spread for pages (hashed ids, say) are kept hashed instead:
//! [`IdSet`] switches by itself, [`IdIndex`] is told the ids' range by its maker.
//!
//! Both take any key type and page only `u64`s (a `TypeId` check the compiler folds
//! away per type); other keys are hashed as before.

use std::any::{Any, TypeId};
use std::hash::Hash;

use rustc_hash::{FxHashMap, FxHashSet};

/// Ids per page.
const PAGE_BITS: u32 = 12;
const PAGE: usize = 1 << PAGE_BITS;
const SLOT: u64 = PAGE as u64 - 1;

/// `key` as a `u64` when its type is `u64`.
fn as_u64<K: 'static>(key: &K) -> Option<u64> {
    (key as &dyn Any).downcast_ref::<u64>().copied()
}

/// A set of ids that forgets rather than grows past a memory limit: it answers "seen
/// before?" exactly while it fits, and a dedupe before an exchange only needs "maybe
/// not" to be safe (the exact dedupe comes after it).
///
/// `u64` ids go into bitmap pages; if the pages hold fewer than one id in 64 of their
/// slots (spread-out ids), or for any other type, ids go into a hash set, cleared when
/// it reaches the limit (like a combiner's cache).
pub struct IdSet<K> {
    bits: Option<FxHashMap<u64, Box<[u64; PAGE / 64]>>>,
    hashed: FxHashSet<K>,
    /// Ids in `bits`.
    len: usize,
    limit_bytes: usize,
}

impl<K: Hash + Eq + Clone + 'static> IdSet<K> {
    /// A set of about `limit_bytes` bytes at most, counting a key's own bytes only (not
    /// what it owns on the heap): meant for integer ids.
    pub fn with_limit(limit_bytes: usize) -> Self {
        IdSet {
            bits: (TypeId::of::<K>() == TypeId::of::<u64>()).then(FxHashMap::default),
            hashed: FxHashSet::default(),
            len: 0,
            limit_bytes: limit_bytes.max(PAGE),
        }
    }

    /// Whether `id` is new to the set (it is then remembered, as far as the limit
    /// lets). `false` is exact: `id` was met before.
    pub fn first_time(&mut self, id: &K) -> bool {
        if let (Some(pages), Some(id)) = (self.bits.as_mut(), as_u64(id)) {
            let len = pages.len();
            if len * (PAGE / 8) <= self.limit_bytes || pages.contains_key(&(id >> PAGE_BITS)) {
                let page = pages
                    .entry(id >> PAGE_BITS)
                    .or_insert_with(|| Box::new([0; PAGE / 64]));
                let (word, bit) = (((id & SLOT) / 64) as usize, id % 64);
                let new = page[word] & (1 << bit) == 0;
                page[word] |= 1 << bit;
                self.len += usize::from(new);
                return new;
            }
            if self.len * 64 >= len * PAGE {
                // Dense but over the limit: forget nothing, let the rest through.
                return true;
            }
            // Spread out: hashed from now on (the pages' ids may come again, once).
            self.bits = None;
        }
        if self.hashed.contains(id) {
            return false;
        }
        // An entry of a hash set is about its key and a control byte, at load 7/8.
        if (self.hashed.len() + 1) * (size_of::<K>() + 2) > self.limit_bytes {
            self.hashed.clear();
        }
        self.hashed.insert(id.clone());
        true
    }
}

/// A map from ids to `u32` indices (a graph's vertex numbering): paged for `u64` ids
/// within a range dense enough for pages (a page found by its place in the range, with
/// no hashing), hashed otherwise and outside the range.
pub struct IdIndex<K> {
    pages: Option<Pages>,
    hashed: FxHashMap<K, u32>,
    len: usize,
}

/// The pages of a range, from its first page on; each slot holds `index + 1` (0: absent).
struct Pages {
    first: u64,
    dir: Vec<Option<Box<[u32; PAGE]>>>,
}

impl Pages {
    /// `id`'s page in `dir` and its slot there, if the range holds it.
    fn place(&self, id: u64) -> Option<(usize, usize)> {
        let page = (id >> PAGE_BITS).checked_sub(self.first)?;
        (page < self.dir.len() as u64).then_some((page as usize, (id & SLOT) as usize))
    }
}

impl<K: Hash + Eq + 'static> IdIndex<K> {
    /// An index for about `len` ids, `u64` ones mostly between `lo` and `hi` (ids
    /// outside still work, hashed).
    pub fn for_ids(len: usize, lo: Option<&K>, hi: Option<&K>) -> Self {
        let range = match (lo.and_then(as_u64), hi.and_then(as_u64)) {
            (Some(lo), Some(hi)) if lo <= hi => Some((lo >> PAGE_BITS, hi >> PAGE_BITS)),
            _ => None,
        };
        // Pages cost 4 bytes per slot, a hash map about 24 per id (key, value, control
        // byte, load): pages while at least one slot in six holds an id.
        let pages = range
            .filter(|(first, last)| {
                (last - first + 1).saturating_mul(PAGE as u64) <= 6 * len as u64
            })
            .map(|(first, last)| Pages {
                first,
                dir: (first..=last).map(|_| None).collect(),
            });
        let hashed = if pages.is_some() {
            FxHashMap::default()
        } else {
            FxHashMap::with_capacity_and_hasher(len, Default::default())
        };
        IdIndex {
            pages,
            hashed,
            len: 0,
        }
    }

    /// How many ids are in the index.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `id`'s index.
    pub fn get(&self, id: &K) -> Option<u32> {
        let paged = self.pages.as_ref().zip(as_u64(id));
        match paged.and_then(|(pages, id)| Some((pages, pages.place(id)?))) {
            Some((pages, (page, slot))) => pages.dir[page].as_ref()?[slot].checked_sub(1),
            None => self.hashed.get(id).copied(),
        }
    }

    /// `id`'s index, given it by `make` (from the count of ids before it) if it has none.
    pub fn get_or_insert_with(&mut self, id: K, make: impl FnOnce(&K, usize) -> u32) -> u32 {
        let len = self.len;
        let place = self.pages.as_ref().zip(as_u64(&id));
        match (
            place.and_then(|(pages, id)| pages.place(id)),
            &mut self.pages,
        ) {
            (Some((page, slot)), Some(pages)) => {
                let page = pages.dir[page].get_or_insert_with(|| Box::new([0; PAGE]));
                let slot = &mut page[slot];
                if *slot == 0 {
                    let at = make(&id, len);
                    *slot = at.checked_add(1).expect("IdIndex: an index below u32::MAX");
                    self.len += 1;
                }
                *slot - 1
            }
            _ => *self.hashed.entry(id).or_insert_with_key(|id| {
                self.len += 1;
                make(id, len)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small xorshift generator: ids without a pattern, reproducible.
    fn ids(seed: u64, n: usize, modulo: u64) -> Vec<u64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % modulo
            })
            .collect()
    }

    #[test]
    fn a_set_within_its_limit_says_first_exactly_once() {
        for modulo in [5_000u64, 1 << 20, u64::MAX] {
            let mut set = IdSet::with_limit(64 << 20);
            let mut model = std::collections::HashSet::new();
            for id in ids(7, 200_000, modulo) {
                assert_eq!(set.first_time(&id), model.insert(id), "{id} of {modulo}");
            }
        }
    }

    #[test]
    fn a_full_set_never_calls_a_new_id_seen() {
        // Tiny limits: dense ids over the limit, spread ids through a cleared hash set.
        for (modulo, limit) in [(1u64 << 24, 4096), (u64::MAX, 4096), (1 << 24, 1 << 16)] {
            let mut set = IdSet::with_limit(limit);
            let mut model = std::collections::HashSet::new();
            let mut repeats_caught = 0;
            let twice = (0..2_000).flat_map(|i| [i, i]);
            for id in ids(11, 100_000, modulo).into_iter().chain(twice) {
                let new = model.insert(id);
                let first = set.first_time(&id);
                assert!(
                    first || !new,
                    "{id} called seen but new ({modulo}, {limit})"
                );
                repeats_caught += usize::from(!first);
            }
            // Each of 0..2_000 comes twice in a row: not every second one forgotten.
            assert!(repeats_caught > 0, "{modulo}, {limit}");
        }
    }

    #[test]
    fn strings_are_hashed() {
        let mut set = IdSet::with_limit(1 << 20);
        assert!(set.first_time(&"a".to_string()));
        assert!(!set.first_time(&"a".to_string()));
        let mut index = IdIndex::for_ids(2, Some(&"a"), Some(&"b"));
        assert_eq!(index.get_or_insert_with("b", |_, n| n as u32 * 10), 0);
        assert_eq!(index.get_or_insert_with("a", |_, n| n as u32 * 10), 10);
        assert_eq!(index.get(&"b"), Some(0));
        assert_eq!((index.get(&"c"), index.len()), (None, 2));
    }

    #[test]
    fn an_index_numbers_like_a_hash_map_paged_or_not() {
        for (modulo, lo, hi) in [(1u64 << 20, 0, 1 << 20), (u64::MAX, 0, u64::MAX)] {
            let all = ids(3, 300_000, modulo);
            let mut index = IdIndex::for_ids(all.len(), Some(&lo), Some(&hi));
            assert_eq!(index.pages.is_some(), modulo < u64::MAX, "paged when dense");
            let mut model = std::collections::HashMap::new();
            for &id in &all {
                let n = model.len() as u32;
                let want = *model.entry(id).or_insert(n);
                assert_eq!(index.get_or_insert_with(id, |_, len| len as u32), want);
            }
            assert_eq!(index.len(), model.len());
            // Ids outside the range given, and absent ones.
            assert_eq!(
                index.get_or_insert_with(u64::MAX - 1, |_, len| len as u32 + 5),
                model.len() as u32 + 5
            );
            for probe in ids(5, 1000, modulo) {
                assert_eq!(index.get(&probe), model.get(&probe).copied(), "{probe}");
            }
        }
    }
}
