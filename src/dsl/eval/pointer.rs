//! JSON pointers kept as indices into a per-record table while a rule runs,
//! and written out only for the facts and missing fields a finding reports.

use std::fmt::Write as _;
use std::sync::Arc;

use super::evaluator::Evaluator;
use crate::check::SharedStr;

/// Index of a JSON pointer in the evaluator's pointer table.
pub(super) type PtrId = usize;
/// The record's root (the empty pointer).
pub(super) const ROOT: PtrId = 0;

/// One step of a JSON pointer: escaped segments (`/a/b~1c`, from a
/// [`crate::dsl::program::FieldPath`]) or a list index.
#[derive(Debug, Clone, Copy)]
pub(super) enum PtrSeg<'a> {
    Escaped(&'a str),
    Index(usize),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct PtrNode<'a> {
    /// Always a smaller index (the root is its own parent).
    pub(super) parent: PtrId,
    pub(super) seg: PtrSeg<'a>,
}

/// Where a fact or a missing field is, until it is written out.
#[derive(Debug, Clone)]
pub(super) enum PathRef<'a> {
    /// The pointer of a record or list node.
    Node(PtrId),
    /// A node's pointer followed by escaped segments; under the root, the
    /// shared pointer itself.
    Under(PtrId, &'a Arc<str>),
    /// `derived:NAME(…)`
    Label(Arc<str>),
}

impl<'a, 's> Evaluator<'a, 's> {
    /// `p` written out, unless one of `seen` is the same pointer.
    pub(super) fn unique_path<'x>(
        &mut self,
        p: &PathRef<'a>,
        mut seen: impl Iterator<Item = &'x SharedStr>,
    ) -> Option<SharedStr> {
        let shared = match p {
            PathRef::Under(ROOT, a) => Some(*a),
            PathRef::Label(a) => Some(a),
            _ => None,
        };
        if let Some(a) = shared {
            return if seen.any(|s| s.as_str() == &**a) {
                None
            } else {
                Some(SharedStr::from(a))
            };
        }
        // a pointer under a list item: written once per record, then shared
        // by every finding that reports it
        let key = match p {
            PathRef::Node(id) => (*id, 0),
            PathRef::Under(id, a) => (*id, Arc::as_ptr(a).cast::<u8>() as usize),
            PathRef::Label(_) => (ROOT, 0),
        };
        let text = match self.s.paths.get(&key) {
            Some(t) => Arc::clone(t),
            None => {
                let mut buf = std::mem::take(&mut self.s.buf);
                buf.clear();
                self.write_path(p, &mut buf);
                let t: Arc<str> = Arc::from(buf.as_str());
                self.s.buf = buf;
                self.s.paths.insert(key, Arc::clone(&t));
                t
            }
        };
        if seen.any(|s| s.as_str() == &*text) {
            None
        } else {
            Some(SharedStr::from(text))
        }
    }

    fn write_path(&self, p: &PathRef<'a>, out: &mut String) {
        match p {
            PathRef::Node(id) => self.write_ptr(*id, out),
            PathRef::Under(id, suffix) => {
                self.write_ptr(*id, out);
                out.push_str(suffix);
            }
            PathRef::Label(a) => out.push_str(a),
        }
    }

    pub(super) fn write_ptr(&self, id: PtrId, out: &mut String) {
        if id == ROOT {
            return;
        }
        let Some(node) = self.ptrs.get(id) else {
            return;
        };
        if node.parent < id {
            self.write_ptr(node.parent, out);
        }
        match node.seg {
            PtrSeg::Escaped(s) => out.push_str(s),
            PtrSeg::Index(i) => push_index(out, i),
        }
    }

    pub(super) fn ptr_string(&self, id: PtrId) -> String {
        let mut s = String::new();
        self.write_ptr(id, &mut s);
        s
    }

    pub(super) fn push_ptr(&mut self, parent: PtrId, seg: PtrSeg<'a>) -> PtrId {
        self.ptrs.push(PtrNode { parent, seg });
        self.ptrs.len() - 1
    }
}

/// `/i` (single digits without the formatting machinery).
fn push_index(out: &mut String, i: usize) {
    out.push('/');
    match u8::try_from(i) {
        Ok(d) if d < 10 => out.push(char::from(b'0' + d)),
        _ => {
            let _ = write!(out, "{i}");
        }
    }
}
