//! Equi-joins: inner and left/right/full outer, by hash or sort-merge, with the inputs
//! repartitioned by key or one of them broadcast.
//!
//! ```
//! use strom_dataset::{execute, JoinHint};
//! use strom_core::RuntimeConfig;
//! let mut rows = execute(&RuntimeConfig::default().with_workers(2), |env| {
//!     let owned = |v: Vec<(i32, &str)>| v.into_iter().map(|(k, s)| (k, s.to_string())).collect();
//!     let people = env.from_collection(owned(vec![(1, "ada"), (2, "bob"), (3, "cy")]));
//!     let cities = env.from_collection(owned(vec![(1, "paris"), (1, "rome"), (4, "oslo")]));
//!     people
//!         .left_outer_join(&cities, |p| p.0, |c| c.0)
//!         .hint(JoinHint::RepartitionSortMerge)
//!         .with(|p, c| (p.1.clone(), c.map(|c| c.1.clone())))
//!         .collect()
//! }).unwrap().unwrap();
//! rows.sort();
//! assert_eq!(rows[0], ("ada".to_string(), Some("paris".to_string())));
//! assert_eq!(rows[3], ("cy".to_string(), None));
//! ```

use std::marker::PhantomData;

use strom_core::keys::worker_for_key;
use strom_core::timely::dataflow::channels::pact::{Exchange, Pipeline};
use strom_core::timely::dataflow::operators::vec::Broadcast;

use crate::data_set::{Data, DataSet, Key};
use crate::operators::blocking::binary_blocking;

/// How a join runs. The default, `Auto`, is `RepartitionSortMerge` when the job has a
/// memory budget (it sorts out of core) and `RepartitionHash` otherwise. Under a budget,
/// a hash join whose table outgrows its share finishes by sorting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum JoinHint {
    /// Let Strom choose.
    #[default]
    Auto,
    /// Partition both inputs by key; build a hash table on the second (right) input.
    RepartitionHash,
    /// Partition both inputs by key; sort both and merge.
    RepartitionSortMerge,
    /// Send the first (left) input to every worker and build a hash table on it.
    BroadcastHashFirst,
    /// Send the second (right) input to every worker and build a hash table on it.
    BroadcastHashSecond,
}

/// Which records without a partner are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Inner,
    LeftOuter,
    RightOuter,
    FullOuter,
}

impl Kind {
    pub(crate) fn keeps_left(self) -> bool {
        matches!(self, Kind::LeftOuter | Kind::FullOuter)
    }
    pub(crate) fn keeps_right(self) -> bool {
        matches!(self, Kind::RightOuter | Kind::FullOuter)
    }
    fn swapped(self) -> Kind {
        match self {
            Kind::LeftOuter => Kind::RightOuter,
            Kind::RightOuter => Kind::LeftOuter,
            k => k,
        }
    }
}

/// Marker: an inner join.
pub struct Inner;
/// Marker: a left outer join.
pub struct LeftOuter;
/// Marker: a right outer join.
pub struct RightOuter;
/// Marker: a full outer join.
pub struct FullOuter;

/// A join being set up; finish it with `with`.
pub struct JoinBuilder<'scope, L, R, LK, RK, M> {
    left: DataSet<'scope, L>,
    right: DataSet<'scope, R>,
    left_key: LK,
    right_key: RK,
    hint: JoinHint,
    _kind: PhantomData<M>,
}

impl<'scope, L: Data> DataSet<'scope, L> {
    fn join_builder<R: Data, LK, RK, M>(
        &self,
        other: &DataSet<'scope, R>,
        lk: LK,
        rk: RK,
    ) -> JoinBuilder<'scope, L, R, LK, RK, M> {
        JoinBuilder {
            left: self.clone(),
            right: other.clone(),
            left_key: lk,
            right_key: rk,
            hint: JoinHint::Auto,
            _kind: PhantomData,
        }
    }

    /// Pairs records of both inputs with equal keys.
    pub fn join<R: Data, K: Key, LK, RK>(
        &self,
        other: &DataSet<'scope, R>,
        lk: LK,
        rk: RK,
    ) -> JoinBuilder<'scope, L, R, LK, RK, Inner>
    where
        LK: Fn(&L) -> K + Clone + 'static,
        RK: Fn(&R) -> K + Clone + 'static,
    {
        self.join_builder(other, lk, rk)
    }

    /// As [`DataSet::join`], also keeping left records without a partner.
    pub fn left_outer_join<R: Data, K: Key, LK, RK>(
        &self,
        other: &DataSet<'scope, R>,
        lk: LK,
        rk: RK,
    ) -> JoinBuilder<'scope, L, R, LK, RK, LeftOuter>
    where
        LK: Fn(&L) -> K + Clone + 'static,
        RK: Fn(&R) -> K + Clone + 'static,
    {
        self.join_builder(other, lk, rk)
    }

    /// As [`DataSet::join`], also keeping right records without a partner.
    pub fn right_outer_join<R: Data, K: Key, LK, RK>(
        &self,
        other: &DataSet<'scope, R>,
        lk: LK,
        rk: RK,
    ) -> JoinBuilder<'scope, L, R, LK, RK, RightOuter>
    where
        LK: Fn(&L) -> K + Clone + 'static,
        RK: Fn(&R) -> K + Clone + 'static,
    {
        self.join_builder(other, lk, rk)
    }

    /// As [`DataSet::join`], keeping records of either side without a partner.
    pub fn full_outer_join<R: Data, K: Key, LK, RK>(
        &self,
        other: &DataSet<'scope, R>,
        lk: LK,
        rk: RK,
    ) -> JoinBuilder<'scope, L, R, LK, RK, FullOuter>
    where
        LK: Fn(&L) -> K + Clone + 'static,
        RK: Fn(&R) -> K + Clone + 'static,
    {
        self.join_builder(other, lk, rk)
    }
}

impl<'scope, L: Data, R: Data, K: Key, LK, RK, M> JoinBuilder<'scope, L, R, LK, RK, M>
where
    LK: Fn(&L) -> K + Clone + 'static,
    RK: Fn(&R) -> K + Clone + 'static,
{
    /// Chooses the strategy.
    #[must_use]
    pub fn hint(mut self, hint: JoinHint) -> Self {
        self.hint = hint;
        self
    }

    fn run<O: Data>(
        self,
        kind: Kind,
        f: impl FnMut(Option<&L>, Option<&R>) -> O + 'static,
    ) -> DataSet<'scope, O> {
        let env = self.left.env.clone();
        let (groups, peers) = (env.config().key_groups, env.peers());
        let static_build = self.left.iteration.is_some() && self.right.iteration.is_none();
        let hashed = matches!(
            self.hint,
            JoinHint::Auto | JoinHint::RepartitionHash | JoinHint::BroadcastHashSecond
        );
        if static_build && hashed && !kind.keeps_right() {
            let (lk, rk) = (self.left_key.clone(), self.right_key.clone());
            let by_left = move |x: &L| worker_for_key(&lk(x), groups, peers) as u64;
            let by_right = move |x: &R| worker_for_key(&rk(x), groups, peers) as u64;
            let stream = super::static_join::static_hash_join(
                env.ctx.clone(),
                self.left.stream.clone(),
                self.right.stream.clone(),
                (Exchange::new(by_left), Exchange::new(by_right)),
                self.left_key,
                self.right_key,
                kind.keeps_left(),
                f,
            );
            return self.left.wrap(stream);
        }
        let (left, right) = crate::iteration::align(&self.left, &self.right);
        let this = JoinBuilder {
            left,
            right,
            ..self
        };
        this.run_aligned(kind, f)
    }

    fn run_aligned<O: Data>(
        self,
        kind: Kind,
        f: impl FnMut(Option<&L>, Option<&R>) -> O + 'static,
    ) -> DataSet<'scope, O> {
        let env = self.left.env.clone();
        let (groups, peers) = (env.config().key_groups, env.peers());
        // A broadcast side cannot keep its unmatched records: every worker would emit them.
        // Under a memory budget, `Auto` sorts and merges (out of core); otherwise it hashes.
        let bounded = env.config().memory_limit.is_some();
        let hint = match self.hint {
            JoinHint::BroadcastHashFirst if kind.keeps_left() => JoinHint::RepartitionHash,
            JoinHint::BroadcastHashSecond if kind.keeps_right() => JoinHint::RepartitionHash,
            JoinHint::Auto if bounded => JoinHint::RepartitionSortMerge,
            JoinHint::Auto => JoinHint::RepartitionHash,
            h => h,
        };
        let (lk, rk) = (self.left_key.clone(), self.right_key.clone());
        let (ls, rs) = (self.left.stream.clone(), self.right.stream.clone());
        let by_left = move |x: &L| worker_for_key(&lk(x), groups, peers) as u64;
        let by_right = move |x: &R| worker_for_key(&rk(x), groups, peers) as u64;
        let (lk, rk) = (self.left_key, self.right_key);
        let stream = match hint {
            JoinHint::RepartitionSortMerge => sort_merge_join(
                &env,
                ls,
                rs,
                (Exchange::new(by_left), Exchange::new(by_right)),
                lk,
                rk,
                kind,
                f,
            ),
            JoinHint::BroadcastHashFirst => {
                // Build on the (broadcast) left input: run the join mirrored.
                let mut f = f;
                hash_join(
                    &env,
                    rs,
                    ls.broadcast(),
                    Pipeline,
                    Pipeline,
                    rk,
                    lk,
                    kind.swapped(),
                    move |r, l| f(l, r),
                )
            }
            JoinHint::BroadcastHashSecond => hash_join(
                &env,
                ls,
                rs.broadcast(),
                Pipeline,
                Pipeline,
                lk,
                rk,
                kind,
                f,
            ),
            JoinHint::RepartitionHash | JoinHint::Auto => hash_join(
                &env,
                ls,
                rs,
                Exchange::new(by_left),
                Exchange::new(by_right),
                lk,
                rk,
                kind,
                f,
            ),
        };
        self.left.wrap(stream)
    }
}

impl<'scope, L: Data, R: Data, K: Key, LK, RK> JoinBuilder<'scope, L, R, LK, RK, Inner>
where
    LK: Fn(&L) -> K + Clone + 'static,
    RK: Fn(&R) -> K + Clone + 'static,
{
    /// Finishes the join: `f` runs for every matching pair.
    pub fn with<O: Data>(self, mut f: impl FnMut(&L, &R) -> O + 'static) -> DataSet<'scope, O> {
        self.run(Kind::Inner, move |l, r| {
            f(
                l.expect("inner join has a left"),
                r.expect("inner join has a right"),
            )
        })
    }
}

impl<'scope, L: Data, R: Data, K: Key, LK, RK> JoinBuilder<'scope, L, R, LK, RK, LeftOuter>
where
    LK: Fn(&L) -> K + Clone + 'static,
    RK: Fn(&R) -> K + Clone + 'static,
{
    /// Finishes the join: `f` gets every left record with each partner, or `None`.
    pub fn with<O: Data>(
        self,
        mut f: impl FnMut(&L, Option<&R>) -> O + 'static,
    ) -> DataSet<'scope, O> {
        self.run(Kind::LeftOuter, move |l, r| {
            f(l.expect("left outer join has a left"), r)
        })
    }
}

impl<'scope, L: Data, R: Data, K: Key, LK, RK> JoinBuilder<'scope, L, R, LK, RK, RightOuter>
where
    LK: Fn(&L) -> K + Clone + 'static,
    RK: Fn(&R) -> K + Clone + 'static,
{
    /// Finishes the join: `f` gets every right record with each partner, or `None`.
    pub fn with<O: Data>(
        self,
        mut f: impl FnMut(Option<&L>, &R) -> O + 'static,
    ) -> DataSet<'scope, O> {
        self.run(Kind::RightOuter, move |l, r| {
            f(l, r.expect("right outer join has a right"))
        })
    }
}

impl<'scope, L: Data, R: Data, K: Key, LK, RK> JoinBuilder<'scope, L, R, LK, RK, FullOuter>
where
    LK: Fn(&L) -> K + Clone + 'static,
    RK: Fn(&R) -> K + Clone + 'static,
{
    /// Finishes the join: `f` gets every pair, and every unmatched record of either side.
    pub fn with<O: Data>(
        self,
        f: impl FnMut(Option<&L>, Option<&R>) -> O + 'static,
    ) -> DataSet<'scope, O> {
        self.run(Kind::FullOuter, f)
    }
}

/// Hash join: builds a table on `build` (the right side), probes with `probe` records as
/// they arrive once the table is complete. Under a memory budget it is a hybrid hash
/// join that spills partitions and joins them one by one at the end (see
/// `hybrid_join.rs`).
#[allow(clippy::too_many_arguments)]
fn hash_join<'s, L: Data, R: Data, K: Key, O: Data, P1, P2>(
    env: &crate::env::Env<'s>,
    probe: strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, L>,
    build: strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, R>,
    probe_pact: P1,
    build_pact: P2,
    lk: impl Fn(&L) -> K + 'static,
    rk: impl Fn(&R) -> K + 'static,
    kind: Kind,
    f: impl FnMut(Option<&L>, Option<&R>) -> O + 'static,
) -> strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, O>
where
    P1: super::Pact<L>,
    P2: super::Pact<R>,
{
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::hybrid_join::{Fns, Hybrid, JoinFn};

    let ctx = env.ctx.clone();
    // Two shares: the table and the probe records waiting for it.
    ctx.register_memory_consumer();
    ctx.register_memory_consumer();
    let bounded = env.config().memory_limit.is_some();
    // The probe path calls `f` statically dispatched; spilled partitions, joined at the
    // end, share it as a trait object.
    let probe_f = Rc::new(RefCell::new(f));
    let f: JoinFn<L, R, O> = probe_f.clone();
    let lk: Rc<dyn Fn(&L) -> K> = Rc::new(lk);
    let rk: Rc<dyn Fn(&R) -> K> = Rc::new(rk);
    let (probe_lk, build_rk) = (lk.clone(), rk.clone());
    let (probe_ctx, build_ctx, make_ctx) = (ctx.clone(), ctx.clone(), ctx.clone());
    binary_blocking(
        probe,
        build,
        (probe_pact, build_pact),
        "HashJoin",
        move || {
            let budget = bounded.then(|| make_ctx.budget().saturating_mul(2));
            Some(Hybrid::<K, L, R>::new(0, budget, kind))
        },
        move |slot: &mut Option<Hybrid<K, L, R>>,
              data: &mut Vec<L>,
              build_done,
              out: &mut Vec<O>| {
            let Some(join) = slot.as_mut() else {
                return data.clear();
            };
            let mut f = probe_f.borrow_mut();
            for x in data.drain(..) {
                let key = probe_lk(&x);
                let done = if build_done {
                    join.probe(&key, x, out, &mut |l, r| f(l, r))
                } else {
                    join.wait(&probe_ctx, &key, x)
                };
                if let Err(e) = done {
                    probe_ctx.fail(&e);
                    *slot = None;
                    return;
                }
            }
        },
        move |slot: &mut Option<Hybrid<K, L, R>>, data: &mut Vec<R>| {
            let Some(join) = slot.as_mut() else {
                return data.clear();
            };
            for r in data.drain(..) {
                if let Err(e) = join.build(&build_ctx, build_rk(&r), r) {
                    build_ctx.fail(&e);
                    *slot = None;
                    return;
                }
            }
        },
        move |slot, _| match slot {
            Some(join) => join.finish(
                &ctx,
                Fns {
                    lk: lk.clone(),
                    rk: rk.clone(),
                    f: f.clone(),
                },
            ),
            None => Box::new(std::iter::empty()),
        },
    )
}

/// Sort-merge join: both inputs are sorted by key out of core (each within its share of
/// the managed memory), then merged lazily. Only one key's right-side records are held
/// in memory at a time.
#[allow(clippy::too_many_arguments)]
fn sort_merge_join<'s, L: Data, R: Data, K: Key, O: Data, P1, P2>(
    env: &crate::env::Env<'s>,
    left: strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, L>,
    right: strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, R>,
    pacts: (P1, P2),
    lk: impl Fn(&L) -> K + 'static,
    rk: impl Fn(&R) -> K + 'static,
    kind: Kind,
    f: impl FnMut(Option<&L>, Option<&R>) -> O + 'static,
) -> strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, O>
where
    P1: super::Pact<L>,
    P2: super::Pact<R>,
{
    use super::keyed_sort::{KeyedSorter, absorb, sorted};

    let ctx = env.ctx.clone();
    ctx.register_memory_consumer();
    ctx.register_memory_consumer();
    let (lctx, rctx) = (ctx.clone(), ctx.clone());
    let f = std::rc::Rc::new(std::cell::RefCell::new(f));
    binary_blocking(
        left,
        right,
        pacts,
        "SortMergeJoin",
        <(KeyedSorter<K, L>, KeyedSorter<K, R>)>::default,
        move |(ls, _), d: &mut Vec<L>, _, _| absorb(&lctx, ls, d, &lk),
        move |(_, rs), d: &mut Vec<R>| absorb(&rctx, rs, d, &rk),
        move |(ls, rs), _| {
            let f = f.clone();
            let f = move |l: Option<&L>, r: Option<&R>| f.borrow_mut()(l, r);
            merge_join(sorted(&ctx, &ls), sorted(&ctx, &rs), kind, f)
        },
    )
}

type SortedSide<K, V> = std::iter::Peekable<Box<dyn Iterator<Item = (K, V)>>>;

/// Merges two inputs sorted by key into join results, lazily; holds one key's right-side
/// records at a time.
pub(super) fn merge_join<K: Key, L: 'static, R: 'static, O: 'static>(
    mut left: SortedSide<K, L>,
    mut right: SortedSide<K, R>,
    kind: Kind,
    mut f: impl FnMut(Option<&L>, Option<&R>) -> O + 'static,
) -> impl Iterator<Item = O> + 'static {
    let mut out: std::collections::VecDeque<O> = std::collections::VecDeque::new();
    let mut group: Option<(K, Vec<R>)> = None;
    std::iter::from_fn(move || {
        loop {
            if let Some(o) = out.pop_front() {
                return Some(o);
            }
            if let Some((gk, rs)) = &group {
                if let Some((_, l)) = left.next_if(|(k, _)| k == gk) {
                    out.extend(rs.iter().map(|r| f(Some(&l), Some(r))));
                } else {
                    group = None;
                }
                continue;
            }
            let order = match (left.peek(), right.peek()) {
                (None, None) => return None,
                (Some((a, _)), Some((b, _))) => a.cmp(b),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
            };
            match order {
                std::cmp::Ordering::Less => {
                    let (_, l) = left.next().expect("peeked");
                    if kind.keeps_left() {
                        out.push_back(f(Some(&l), None));
                    }
                }
                std::cmp::Ordering::Greater => {
                    let (_, r) = right.next().expect("peeked");
                    if kind.keeps_right() {
                        out.push_back(f(None, Some(&r)));
                    }
                }
                std::cmp::Ordering::Equal => {
                    let (k, first) = right.next().expect("peeked");
                    let mut rs = vec![first];
                    while let Some((_, r)) = right.next_if(|(k2, _)| *k2 == k) {
                        rs.push(r);
                    }
                    group = Some((k, rs));
                }
            }
        }
    })
}
