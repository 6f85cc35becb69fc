//! Alternating least squares for recommendation (Spark's `ALS`), with explicit ratings
//! or implicit feedback, as a bulk iteration.
//!
//! Each round solves every user's factors from the item factors, then every item's
//! from the new user factors: the ratings are joined with the other side's factors,
//! grouped by the side being solved (each group's rows in a fixed order, so a round is
//! deterministic), and each group's normal equations solved by Cholesky. Explicit:
//! `(Σ y yᵀ + reg·n·I) x = Σ r y` over the `n` ratings of the user (Spark's ALS-WR
//! weighting). Implicit (Hu, Koren and Volinsky, as Spark extends it): confidence
//! `1 + alpha·|r|`, preference 1 for `r > 0` else 0, so
//! `(YᵀY + Σ alpha·|r|·y yᵀ + reg·n⁺·I) x = Σ (1 + alpha·|r|)·[r > 0]·y`, with `YᵀY` over
//! all item factors (an aggregate, broadcast) and `n⁺` the ratings above 0. The item
//! factors start as seeded Gaussian vectors of unit length ([`Als::initial_factor`],
//! a hash of the seed and the id, so the same at any worker count).
//!
//! The model holds both factor tables; a (user, item) pair predicts `x·y`, or NaN when
//! either was not in the training data (Spark's cold-start `nan`).
//! Known limitation: no non-negative variant, no blocking of the factor exchange
//! (every rating carries a copy of one factor vector each half-round).

use std::collections::HashMap;

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};
use strom_dataset::DataSet;

use crate::error::{Error, Result};
use crate::linear::solve_symmetric;
use crate::params::{Params, check, params};
use crate::split::SeededHash;
use crate::stage::{Estimator, Fitted, Model, RowFn};
use crate::table::{ColumnType, Row, Schema, Table, Value, fail_on_error, num, put};

/// The ALS estimator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Als {
    /// The user id column (non-negative integers; default `user`).
    pub user: String,
    /// The item id column (non-negative integers; default `item`).
    pub item: String,
    /// The rating column (default `rating`).
    pub rating: String,
    /// The prediction column (default `prediction`).
    pub prediction: String,
    /// Factors per user and item (default 10).
    pub rank: u32,
    /// Rounds, each solving users then items (default 10).
    pub max_iter: u32,
    /// Regularisation, per rating (default 0.1).
    pub reg: f64,
    /// Implicit feedback (default false).
    pub implicit: bool,
    /// The confidence slope of implicit feedback (default 1).
    pub alpha: f64,
    /// The seed of the initial factors (default 0).
    pub seed: u64,
}

impl Default for Als {
    fn default() -> Self {
        Als {
            user: "user".into(),
            item: "item".into(),
            rating: "rating".into(),
            prediction: "prediction".into(),
            rank: 10,
            max_iter: 10,
            reg: 0.1,
            implicit: false,
            alpha: 1.0,
            seed: 0,
        }
    }
}

params!(Als {
    with_user "user" => user: String,
    with_item "item" => item: String,
    with_rating "rating" => rating: String,
    with_prediction "prediction" => prediction: String,
    with_rank "rank" => rank: u32,
    with_max_iter "max-iter" => max_iter: u32,
    with_reg "reg" => reg: f64,
    with_implicit "implicit" => implicit: bool,
    with_alpha "alpha" => alpha: f64,
    with_seed "seed" => seed: u64,
} validate(&self) {
    check("rank", self.rank >= 1, "must be at least 1")?;
    check("max-iter", self.max_iter >= 1, "must be at least 1")?;
    check("reg", self.reg >= 0.0 && self.reg.is_finite(), "must be a number ≥ 0")?;
    check("alpha", self.alpha >= 0.0 && self.alpha.is_finite(), "must be a number ≥ 0")
} other ["label"] (&mut this, name, value) {
    // `strom ml fit --label` names the rating column.
    match name {
        "label" => {
            this.rating = value.to_string();
            Ok(true)
        }
        _ => Ok(false),
    }
});

/// One side's factors: a user's (`user`) or an item's.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Factor {
    user: bool,
    id: u64,
    x: Vec<f64>,
}

/// A rating: user, item, value.
type Rating = (u64, u64, f64);

impl Als {
    /// The initial factor of item `id`: Gaussian from a seeded hash, unit length.
    pub fn initial_factor(seed: u64, id: u64, rank: usize) -> Vec<f64> {
        let mut h = SeededHash::new(seed, id ^ 0xA15_A15A_15A1);
        let mut uniform = || {
            h.add(0x5EED);
            h.unit()
        };
        let x: Vec<f64> = (0..rank)
            .map(|_| {
                let (u, v) = (uniform(), uniform());
                (-2.0 * (1.0 - u).ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
            })
            .collect();
        let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        x.iter().map(|v| v / norm.max(f64::MIN_POSITIVE)).collect()
    }

    fn ratings<'s>(&self, table: &Table<'s>) -> Result<DataSet<'s, Rating>> {
        let s = &table.schema;
        let number = [ColumnType::Number];
        let at = [
            s.typed_index(&self.user, &number)?,
            s.typed_index(&self.item, &number)?,
            s.typed_index(&self.rating, &number)?,
        ];
        let names = [self.user.clone(), self.item.clone(), self.rating.clone()];
        let check = move |row: &Row| -> Result<Rating> {
            let [u, i, r] = at.map(|a| num(&row[a]));
            for (v, name) in [u, i].iter().zip(&names) {
                if !(*v >= 0.0 && v.fract() == 0.0 && *v < 2f64.powi(63)) {
                    return Err(Error::column(
                        name,
                        format!("{v} is not an id (0, 1, 2, ...)"),
                    ));
                }
            }
            if !r.is_finite() {
                return Err(Error::column(
                    &names[2],
                    format!("missing or infinite rating {r}"),
                ));
            }
            Ok((u as u64, i as u64, r))
        };
        let failure = table.rows.env().failure();
        Ok(table.rows.flat_map(fail_on_error(&failure, check)))
    }

    /// The factors of one side solved from `src`, the other side's (users from items
    /// when `to_users`).
    fn solve<'s>(
        &self,
        ratings: &DataSet<'s, Rating>,
        src: &DataSet<'s, Factor>,
        to_users: bool,
    ) -> DataSet<'s, Factor> {
        let (rank, implicit, alpha, reg) =
            (self.rank as usize, self.implicit, self.alpha, self.reg);
        let joined = ratings
            .join(
                src,
                move |r: &Rating| if to_users { r.1 } else { r.0 },
                |f: &Factor| f.id,
            )
            .with(move |r, f| {
                let (dst, other) = if to_users { (r.0, r.1) } else { (r.1, r.0) };
                (dst, other, f.x.clone(), r.2)
            });
        let equations = joined
            .group_by(|t: &(u64, u64, Vec<f64>, f64)| t.0)
            .reduce_group(move |&dst, mut rows| {
                rows.sort_by_key(|t| t.1);
                let mut ata = DMatrix::zeros(rank, rank);
                let mut atb = DVector::zeros(rank);
                let mut n = 0.0;
                for (_, _, y, r) in rows {
                    let y = DVector::from_vec(y);
                    let (c, b) = if implicit {
                        n += f64::from(u8::from(r > 0.0));
                        let c1 = alpha * r.abs();
                        (c1, if r > 0.0 { 1.0 + c1 } else { 0.0 })
                    } else {
                        n += 1.0;
                        (1.0, r)
                    };
                    ata.ger(c, &y, &y, 1.0);
                    atb.axpy(b, &y, 1.0);
                }
                Some((dst, ata.as_slice().to_vec(), atb.as_slice().to_vec(), n))
            });
        let solve = move |(id, ata, atb, n): (u64, Vec<f64>, Vec<f64>, f64),
                          gram: Option<&[f64]>| {
            let mut a =
                DMatrix::from_vec(rank, rank, ata) + DMatrix::identity(rank, rank) * (reg * n);
            if let Some(g) = gram {
                a += DMatrix::from_column_slice(rank, rank, g);
            }
            let x = solve_symmetric(a, &DVector::from_vec(atb));
            Factor {
                user: to_users,
                id,
                x,
            }
        };
        if implicit {
            let gram = src
                .map(move |f| {
                    let y = DVector::from_vec(f.x);
                    (&y * y.transpose()).as_slice().to_vec()
                })
                .reduce(|mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                    a
                });
            equations.map_with_broadcast(&gram, move |e, g: &[Vec<f64>]| {
                solve(e, g.first().map(Vec::as_slice))
            })
        } else {
            equations.map(move |e| solve(e, None))
        }
    }
}

impl Estimator for Als {
    type Model = AlsModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        self.validate()?;
        for c in [&self.user, &self.item] {
            input.typed_index(c, &[ColumnType::Number])?;
        }
        Ok(input.with_column(&self.prediction, ColumnType::Number))
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, AlsModel>> {
        self.output_schema(&table.schema)?;
        table
            .schema
            .typed_index(&self.rating, &[ColumnType::Number])?;
        let ratings = self.ratings(table)?;
        let (seed, rank) = (self.seed, self.rank as usize);
        let items = ratings.map(|r| r.1).distinct().map(move |id| Factor {
            user: false,
            id,
            x: Als::initial_factor(seed, id, rank),
        });
        let this = self.clone();
        let factors = items.iterate(self.max_iter, move |_, state| {
            let items = state.filter(|f| !f.user);
            let users = this.solve(&ratings, &items, true);
            this.solve(&ratings, &users, false).union(&users)
        });
        let params = self.clone();
        let model = factors
            .map(|f| vec![f])
            .reduce(|mut a, mut b| {
                a.append(&mut b);
                a
            })
            .map(move |all| {
                let (mut users, mut items): (Vec<Factor>, Vec<Factor>) =
                    all.into_iter().partition(|f| f.user);
                users.sort_by_key(|f| f.id);
                items.sort_by_key(|f| f.id);
                let pairs = |v: Vec<Factor>| v.into_iter().map(|f| (f.id, f.x)).collect();
                AlsModel {
                    params: params.clone(),
                    users: pairs(users),
                    items: pairs(items),
                }
            });
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

/// A fitted ALS model: the factors of every user and item seen in training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlsModel {
    /// The parameters it was fitted with.
    pub params: Als,
    /// `(user id, factors)`, by id.
    pub users: Vec<(u64, Vec<f64>)>,
    /// `(item id, factors)`, by id.
    pub items: Vec<(u64, Vec<f64>)>,
}

impl Model for AlsModel {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.params.output_schema(input)
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let (u_at, i_at) = (
            input.index(&self.params.user)?,
            input.index(&self.params.item)?,
        );
        let out = self.schema(input)?.index(&self.params.prediction)?;
        let index =
            |v: &[(u64, Vec<f64>)]| -> HashMap<u64, Vec<f64>> { v.iter().cloned().collect() };
        let (users, items) = (index(&self.users), index(&self.items));
        let id = |v: f64| (v >= 0.0 && v.fract() == 0.0).then_some(v as u64);
        Ok(Box::new(move |mut row| {
            let x = id(num(&row[u_at])).and_then(|u| users.get(&u));
            let y = id(num(&row[i_at])).and_then(|i| items.get(&i));
            let p = match (x, y) {
                (Some(x), Some(y)) => x.iter().zip(y).map(|(a, b)| a * b).sum(),
                _ => f64::NAN,
            };
            put(&mut row, out, Value::Num(p));
            row
        }))
    }
}
