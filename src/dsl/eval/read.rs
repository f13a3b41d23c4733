//! Reading the record: fields (root fields once per record), the items a
//! quantifier goes through, and the facts and missing fields that reading adds.

use std::borrow::Cow;
use std::sync::Arc;

use jiff::civil::Date;
use serde_json::Value as Json;

use super::evaluator::Evaluator;
use super::pointer::{PathRef, PtrId, PtrSeg, ROOT};
use super::value::Val;
use crate::dsl::program::{Base, FieldPath, Leaf, NO_ROOT};

#[derive(Debug, Clone)]
pub(super) enum FactVal<'a> {
    Ref(&'a Json),
    Own(Json),
}

/// What reading a field adds to the rule's trace.
#[derive(Debug, Clone)]
pub(super) enum Effect<'a> {
    Fact(PathRef<'a>, &'a Json),
    Miss(PathRef<'a>),
    Nothing,
}

/// A list from the root as looked up earlier in the same record: its items
/// and the pointer of the first, or the pointer found missing.
#[derive(Debug, Clone)]
pub(super) enum ListRead<'a> {
    Items(&'a [Json], PtrId),
    Missing(PathRef<'a>),
}

/// A root field as read earlier in the same record.
#[derive(Debug, Clone)]
pub(super) struct RootRead<'a> {
    pub(super) leaf: Leaf,
    pub(super) scale: f64,
    pub(super) val: Val<'a>,
    pub(super) effect: Effect<'a>,
}

#[derive(Debug, Clone)]
pub(super) struct PendingFact<'a> {
    pub(super) path: PathRef<'a>,
    pub(super) value: FactVal<'a>,
}

static NULL: Json = Json::Null;

impl<'a, 's> Evaluator<'a, 's> {
    fn miss(&mut self, at: PathRef<'a>) {
        self.missing.push(at);
    }

    pub(super) fn fact(&mut self, path: PathRef<'a>, value: &'a Json) {
        self.facts.push(PendingFact {
            path,
            value: FactVal::Ref(value),
        });
    }

    pub(super) fn start(&self, base: Base) -> Option<(&'a Json, PtrId)> {
        match base {
            Base::Root => Some((self.record, ROOT)),
            Base::Var(slot) => match self.env.get(self.frame + slot) {
                Some(Val::Node(n, p)) => Some((*n, *p)),
                _ => None,
            },
        }
    }

    pub(super) fn field(
        &mut self,
        base: Base,
        path: &'a FieldPath,
        scale: f64,
        leaf: Leaf,
    ) -> Val<'a> {
        if base == Base::Root && path.root != NO_ROOT {
            // a root field is looked up once per record, whichever rule reads it
            if let Some(Some(r)) = self.roots.get(path.root)
                && r.leaf == leaf
                && r.scale.to_bits() == scale.to_bits()
            {
                let (v, effect) = (r.val.clone(), r.effect.clone());
                self.note(effect);
                return v;
            }
            let (v, effect) = self.read(self.record, ROOT, path, scale, leaf);
            if let Some(slot) = self.roots.get_mut(path.root) {
                *slot = Some(RootRead {
                    leaf,
                    scale,
                    val: v.clone(),
                    effect: effect.clone(),
                });
            }
            self.note(effect);
            return v;
        }
        let Some((node, base_ptr)) = self.start(base) else {
            return Val::Unknown;
        };
        let (v, effect) = self.read(node, base_ptr, path, scale, leaf);
        self.note(effect);
        v
    }

    fn note(&mut self, effect: Effect<'a>) {
        match effect {
            Effect::Fact(p, j) => self.fact(p, j),
            Effect::Miss(p) => self.miss(p),
            Effect::Nothing => {}
        }
    }

    /// Reads `path` from `node` (whose pointer is `base_ptr`): the value, and
    /// the fact read or the field found missing.
    pub(super) fn read(
        &mut self,
        mut node: &'a Json,
        base_ptr: PtrId,
        path: &'a FieldPath,
        scale: f64,
        leaf: Leaf,
    ) -> (Val<'a>, Effect<'a>) {
        // the pointer so far: the base's, then a prefix of the path
        let mut at: Option<&'a Arc<str>> = None;
        let here = |at: Option<&'a Arc<str>>| match at {
            Some(p) => PathRef::Under(base_ptr, p),
            None => PathRef::Node(base_ptr),
        };
        for (seg, ptr) in path.segs.iter().zip(&path.ptrs) {
            match node {
                Json::Object(m) => match m.get(seg) {
                    Some(v) => {
                        node = v;
                        at = Some(ptr);
                    }
                    None => return (Val::Unknown, Effect::Miss(PathRef::Under(base_ptr, ptr))),
                },
                Json::Null => return (Val::None, Effect::Fact(here(at), &NULL)),
                _ => return (Val::Unknown, Effect::Miss(here(at))),
            }
        }
        if node.is_null() {
            return (Val::None, Effect::Fact(here(at), node));
        }
        let v = match (leaf, node) {
            (Leaf::Num, Json::Number(n)) => n.as_f64().map(|x| Val::Num(x * scale)),
            (Leaf::Str, Json::String(s)) => Some(Val::Str(Cow::Borrowed(s.as_str()))),
            (Leaf::Date, Json::String(s)) => s.parse::<Date>().ok().map(Val::Date),
            (Leaf::Bool, Json::Bool(b)) => Some(Val::Bool(*b)),
            (Leaf::Scalars, Json::Array(items)) => Some(Val::Scalars(items, scale)),
            (Leaf::Node, Json::Object(_) | Json::Array(_)) => {
                let id = match at {
                    Some(p) => self.push_ptr(base_ptr, PtrSeg::Escaped(p)),
                    None => base_ptr,
                };
                return (Val::Node(node, id), Effect::Nothing);
            }
            _ => None,
        };
        match v {
            Some(v) => (v, Effect::Fact(here(at), node)),
            // a value of the wrong type: validation should have caught it
            None => (Val::Unknown, Effect::Miss(here(at))),
        }
    }

    /// The items a quantifier goes through. Returns `None` when the list
    /// itself is unknown.
    pub(super) fn items(&mut self, base: Base, path: &'a FieldPath) -> Option<Items<'a>> {
        let (node, base_ptr) = self.start(base)?;
        if !node.is_object() {
            self.miss(PathRef::Node(base_ptr));
            return None;
        }
        // the usual case, one list field (`special_workers`, `u.chemicals`);
        // from the root, looked up once per record
        if let ([seg], [ptr], Json::Object(m)) = (path.segs.as_slice(), path.ptrs.as_slice(), node)
        {
            let cached = base == Base::Root && path.root != NO_ROOT;
            if cached && let Some(Some(read)) = self.lists.get(path.root) {
                let read = read.clone();
                return self.replay_list(read);
            }
            let read = match m.get(seg) {
                Some(Json::Null) => ListRead::Items(&[], ROOT),
                Some(Json::Array(xs)) => {
                    let list = self.push_ptr(base_ptr, PtrSeg::Escaped(ptr));
                    // the items' pointers follow the list's
                    for i in 0..xs.len() {
                        self.push_ptr(list, PtrSeg::Index(i));
                    }
                    ListRead::Items(xs, list + 1)
                }
                None | Some(_) => ListRead::Missing(PathRef::Under(base_ptr, ptr)),
            };
            if cached && let Some(slot) = self.lists.get_mut(path.root) {
                *slot = Some(read.clone());
            }
            return self.replay_list(read);
        }
        let mut cur: Vec<Option<(&'a Json, PtrId)>> = vec![Some((node, base_ptr))];
        for (k, seg) in path.segs.iter().enumerate() {
            let seg_ptr = path.seg_ptr(k);
            let mut next = Vec::new();
            for item in cur {
                let Some((n, p)) = item else {
                    next.push(None);
                    continue;
                };
                match n {
                    Json::Array(xs) => {
                        for (i, x) in xs.iter().enumerate() {
                            let xp = self.push_ptr(p, PtrSeg::Index(i));
                            self.step(x, xp, seg, seg_ptr, &mut next);
                        }
                    }
                    other => self.step(other, p, seg, seg_ptr, &mut next),
                }
            }
            cur = next;
        }
        if cur.len() == 1 && cur.first().is_some_and(|c| c.is_none()) {
            return None;
        }
        let mut out = Vec::with_capacity(cur.len());
        for item in cur {
            match item {
                Some((Json::Array(xs), p)) => {
                    for (i, x) in xs.iter().enumerate() {
                        let xp = self.push_ptr(p, PtrSeg::Index(i));
                        out.push(Some((x, xp)));
                    }
                }
                Some((x, p)) => out.push(Some((x, p))),
                None => out.push(None),
            }
        }
        Some(Items::Many(out))
    }

    /// One step of a path through lists: `x.seg`, if `x` is a record.
    pub(super) fn step(
        &mut self,
        x: &'a Json,
        xp: PtrId,
        seg: &str,
        seg_ptr: &'a str,
        next: &mut Vec<Option<(&'a Json, PtrId)>>,
    ) {
        match x {
            Json::Object(m) => {
                let p = self.push_ptr(xp, PtrSeg::Escaped(seg_ptr));
                match m.get(seg) {
                    Some(v) if v.is_null() => {}
                    Some(v) => next.push(Some((v, p))),
                    None => {
                        self.miss(PathRef::Node(p));
                        next.push(None);
                    }
                }
            }
            Json::Null => {}
            _ => next.push(None),
        }
    }

    /// Item `idx` of `items` with its pointer; `None` for an unknown item.
    pub(super) fn item(&mut self, items: &Items<'a>, idx: usize) -> Option<(&'a Json, PtrId)> {
        match items {
            Items::Slice(xs, first) => Some((xs.get(idx)?, first + idx)),
            Items::Many(v) => v.get(idx).copied().flatten(),
        }
    }

    fn replay_list(&mut self, read: ListRead<'a>) -> Option<Items<'a>> {
        match read {
            ListRead::Items(xs, first) => Some(Items::Slice(xs, first)),
            ListRead::Missing(p) => {
                self.miss(p);
                None
            }
        }
    }
}

/// What a quantifier goes through: the items of one list (`Slice`, with the
/// pointer of the first item; the others follow it), or, for paths through
/// several lists, each item with its pointer (`None` for an unknown one).
pub(super) enum Items<'a> {
    Slice(&'a [Json], PtrId),
    Many(Vec<Option<(&'a Json, PtrId)>>),
}

impl Items<'_> {
    pub(super) fn len(&self) -> usize {
        match self {
            Items::Slice(xs, _) => xs.len(),
            Items::Many(v) => v.len(),
        }
    }
}
