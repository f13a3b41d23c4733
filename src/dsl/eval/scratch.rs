//! Buffers kept from one record to the next, and the hasher for the
//! evaluator's own keys.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::pointer::PtrId;
use super::value::Val;
use crate::dsl::logic::Truth;

/// Buffers without references into a record, reused from record to record.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    /// Missing pointers (one per line) → the explanation of an unknown
    /// finding (see `missing_text`).
    pub(super) texts: HashMap<String, Arc<str>, BuildHasherDefault<IdHasher>>,
    pub(super) memo_index: HashMap<MemoKey, usize, BuildHasherDefault<IdHasher>>,
    /// Pointers under list items written out for this record, by node and
    /// path (see `unique_path`).
    pub(super) paths: HashMap<(PtrId, usize), Arc<str>, BuildHasherDefault<IdHasher>>,
    /// Per item of the quantifiers being evaluated: its truth and where its
    /// facts end.
    pub(super) marks: Vec<(Truth, usize)>,
    /// Per rule of the program: the index of its finding, or `ABSENT`.
    pub(super) pos: Vec<usize>,
    /// Per finding: whether its rule applies.
    pub(super) applies: Vec<Truth>,
    /// Word ranges of an explanation being written.
    pub(super) ranges: Vec<(usize, usize)>,
    pub(super) buf: String,
    /// Capacities the record-bound buffers needed so far.
    pub(super) caps: Caps,
}

#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Caps {
    pub(super) env: usize,
    pub(super) facts: usize,
    pub(super) missing: usize,
    pub(super) ptrs: usize,
    pub(super) memo: usize,
    pub(super) memo_missing: usize,
}

/// A derived value's call: the function and the identity (address) of each
/// argument node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct MemoKey {
    pub(super) func: usize,
    pub(super) args: [usize; 4],
}

/// Hasher for the evaluator's own keys (argument addresses, pointers built
/// from the program's paths): multiply–rotate, eight bytes at a time; the
/// keys are not chosen by users, so no flooding defence is needed.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0xf135_7aea_2e62_a9c5);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        for b in chunks.remainder() {
            self.add(u64::from(*b));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

pub(super) struct MemoEntry<'a> {
    pub(super) val: Val<'a>,
    /// Range in `memo_missing`.
    pub(super) missing: (usize, usize),
    pub(super) label: Arc<str>,
}
