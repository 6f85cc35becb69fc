//! L-BFGS as a state machine with one function evaluation per step, so that each step
//! is one superstep of a bulk iteration: the state says where to evaluate next
//! ([`Lbfgs::point`]), the workers compute the objective's value and gradient there,
//! and [`Lbfgs::step`] takes them (backtracking line search with the Armijo condition;
//! the curvature pair is kept only when `s·y > 0`, so the inverse-Hessian estimate stays
//! positive definite).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// Stopping rules and memory of the optimiser.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct LbfgsConfig {
    /// Accepted steps at most.
    pub(crate) max_iter: u32,
    /// Stop when the objective changes by less than `tol` relative to its size.
    pub(crate) tol: f64,
    /// Curvature pairs kept.
    pub(crate) memory: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
enum Phase {
    /// Evaluating the start point.
    Start,
    /// Evaluating `trial` on the line `x + alpha * dir`.
    Search,
    /// Finished.
    Done,
}

/// The optimiser's state between evaluations.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Lbfgs {
    config: LbfgsConfig,
    phase: Phase,
    /// The current point, its value and gradient.
    pub(crate) x: Vec<f64>,
    pub(crate) f: f64,
    g: Vec<f64>,
    s: VecDeque<Vec<f64>>,
    y: VecDeque<Vec<f64>>,
    dir: Vec<f64>,
    alpha: f64,
    trial: Vec<f64>,
    backtracks: u32,
    /// Accepted steps so far.
    pub(crate) iterations: u32,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Lbfgs {
    pub(crate) fn new(x: Vec<f64>, config: LbfgsConfig) -> Self {
        Lbfgs {
            config,
            phase: Phase::Start,
            f: f64::INFINITY,
            g: Vec::new(),
            s: VecDeque::new(),
            y: VecDeque::new(),
            dir: Vec::new(),
            alpha: 1.0,
            trial: Vec::new(),
            backtracks: 0,
            iterations: 0,
            x,
        }
    }

    /// Whether it has stopped.
    pub(crate) fn done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Where to evaluate the objective next (`None` once done).
    pub(crate) fn point(&self) -> Option<&[f64]> {
        match self.phase {
            Phase::Start => Some(&self.x),
            Phase::Search => Some(&self.trial),
            Phase::Done => None,
        }
    }

    /// Takes the objective's value and gradient at [`Lbfgs::point`].
    pub(crate) fn step(mut self, f: f64, g: Vec<f64>) -> Self {
        match self.phase {
            Phase::Done => {}
            Phase::Start => {
                self.f = f;
                self.g = g;
                self.next_direction();
            }
            Phase::Search => {
                let slope = dot(&self.g, &self.dir);
                if f.is_finite() && f <= self.f + 1e-4 * self.alpha * slope {
                    let s: Vec<f64> = self.trial.iter().zip(&self.x).map(|(a, b)| a - b).collect();
                    let y: Vec<f64> = g.iter().zip(&self.g).map(|(a, b)| a - b).collect();
                    if dot(&s, &y) > 1e-12 * dot(&y, &y).max(1e-300) {
                        if self.s.len() == self.config.memory {
                            self.s.pop_front();
                            self.y.pop_front();
                        }
                        self.s.push_back(s);
                        self.y.push_back(y);
                    }
                    let before = self.f;
                    self.x = std::mem::take(&mut self.trial);
                    self.f = f;
                    self.g = g;
                    self.iterations += 1;
                    let scale = before.abs().max(f.abs()).max(1.0);
                    if self.iterations >= self.config.max_iter
                        || (before - f).abs() <= self.config.tol * scale
                    {
                        self.phase = Phase::Done;
                    } else {
                        self.next_direction();
                    }
                } else if self.backtracks >= 50 {
                    // No decrease along the line: the point is as good as it gets.
                    self.phase = Phase::Done;
                } else {
                    // Minimum of the quadratic through f(x), f'(x) and f(trial), kept
                    // between a tenth and a half of the step.
                    let a = self.alpha;
                    let quad = if f.is_finite() {
                        -slope * a * a / (2.0 * (f - self.f - slope * a))
                    } else {
                        0.1 * a
                    };
                    self.alpha = quad.clamp(0.1 * a, 0.5 * a);
                    self.backtracks += 1;
                    self.set_trial();
                }
            }
        }
        self
    }

    fn set_trial(&mut self) {
        self.trial = self
            .x
            .iter()
            .zip(&self.dir)
            .map(|(x, d)| x + self.alpha * d)
            .collect();
    }

    /// The two-loop recursion: `dir = -H g`.
    fn next_direction(&mut self) {
        let gnorm = self.g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if gnorm <= 1e-12 || !gnorm.is_finite() {
            self.phase = Phase::Done;
            return;
        }
        let mut q = self.g.clone();
        let k = self.s.len();
        let mut a = vec![0.0; k];
        for i in (0..k).rev() {
            let rho = 1.0 / dot(&self.y[i], &self.s[i]);
            a[i] = rho * dot(&self.s[i], &q);
            for (qj, yj) in q.iter_mut().zip(&self.y[i]) {
                *qj -= a[i] * yj;
            }
        }
        let gamma = if k > 0 {
            dot(&self.s[k - 1], &self.y[k - 1]) / dot(&self.y[k - 1], &self.y[k - 1])
        } else {
            1.0
        };
        for v in &mut q {
            *v *= gamma;
        }
        for ((s, y), ai) in self.s.iter().zip(&self.y).zip(&a) {
            let rho = 1.0 / dot(y, s);
            let b = rho * dot(y, &q);
            for (qj, sj) in q.iter_mut().zip(s) {
                *qj += (ai - b) * sj;
            }
        }
        let mut dir: Vec<f64> = q.iter().map(|v| -v).collect();
        if dot(&dir, &self.g) >= 0.0 {
            self.s.clear();
            self.y.clear();
            dir = self.g.iter().map(|v| -v).collect();
        }
        self.alpha = if self.s.is_empty() {
            (1.0 / self.g.iter().map(|v| v.abs()).sum::<f64>()).min(1.0)
        } else {
            1.0
        };
        self.dir = dir;
        self.backtracks = 0;
        self.phase = Phase::Search;
        self.set_trial();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mut opt: Lbfgs, f: impl Fn(&[f64]) -> (f64, Vec<f64>)) -> Lbfgs {
        while let Some(p) = opt.point() {
            let (v, g) = f(p);
            opt = opt.step(v, g);
        }
        opt
    }

    #[test]
    fn finds_the_minimum_of_rosenbrock() {
        let config = LbfgsConfig {
            max_iter: 500,
            tol: 1e-15,
            memory: 10,
        };
        let opt = run(Lbfgs::new(vec![-1.2, 1.0], config), |p| {
            let (x, y) = (p[0], p[1]);
            let f = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
            let g = vec![
                -2.0 * (1.0 - x) - 400.0 * x * (y - x * x),
                200.0 * (y - x * x),
            ];
            (f, g)
        });
        assert!(
            (opt.x[0] - 1.0).abs() < 1e-4 && (opt.x[1] - 1.0).abs() < 1e-4,
            "{:?}",
            opt.x
        );
    }

    #[test]
    fn solves_a_quadratic() {
        // f = 0.5 x'Ax - b'x with A = [[3, 1], [1, 2]], b = [1, 1]: x = A⁻¹b = [0.2, 0.4].
        let config = LbfgsConfig {
            max_iter: 100,
            tol: 1e-16,
            memory: 5,
        };
        let opt = run(Lbfgs::new(vec![0.0, 0.0], config), |p| {
            let g = vec![3.0 * p[0] + p[1] - 1.0, p[0] + 2.0 * p[1] - 1.0];
            let f = 0.5 * (3.0 * p[0] * p[0] + 2.0 * p[0] * p[1] + 2.0 * p[1] * p[1]) - p[0] - p[1];
            (f, g)
        });
        assert!(
            (opt.x[0] - 0.2).abs() < 1e-6 && (opt.x[1] - 0.4).abs() < 1e-6,
            "{:?}",
            opt.x
        );
    }
}
