//! The problem a run of an external instance sees: a [`Problem`] whose evaluations are requests to a problem
//! process ([`super::server::Server`]), checked out of the instance's pool for the run and given back when the
//! run drops it.
//!
//! A fault of the process (it exits, hangs, writes garbage, answers NaN or the wrong length) kills it, is kept
//! as the run's [`Problem::fault`], and every later evaluation answers NaN without asking anyone, so that the
//! run ends at once; the runner then records it `failed` with the fault's message.

use std::sync::{Arc, Mutex};

use faer::Mat;

use super::pool::Pool;
use super::server::{Announced, MAX_HESSIAN_DIM, Server, Want};
use crate::problem::critical::CriticalPoint;
use crate::problem::{Capabilities, Curvature, Optimum, Problem, SecondOrder};

/// One run's view of a problem process.
pub struct ExternalProblem {
    server: Mutex<Option<Server>>,
    fault: Mutex<Option<String>>,
    announced: Arc<Announced>,
    start: Vec<f64>,
    pool: Arc<Pool>,
}

impl ExternalProblem {
    /// The problem of one run: `server` checked out of `pool`, starting at `start`.
    pub fn new(
        server: Server,
        announced: Arc<Announced>,
        start: Vec<f64>,
        pool: Arc<Pool>,
    ) -> Self {
        ExternalProblem {
            server: Mutex::new(Some(server)),
            fault: Mutex::new(None),
            announced,
            start,
            pool,
        }
    }

    /// Asks the process for `want` at `x` (and `v`) into `out`; on a fault (now or before) `out` is NaN.
    fn call(&self, want: Want, x: &[f64], v: Option<&[f64]>, out: &mut [f64]) {
        let Ok(mut slot) = self.server.lock() else {
            out.fill(f64::NAN);
            return;
        };
        let Some(server) = slot.as_mut() else {
            out.fill(f64::NAN);
            return;
        };
        if let Err(message) = server.eval(want, x, v, out) {
            // The server killed its process; it is not given back.
            *slot = None;
            if let Ok(mut f) = self.fault.lock() {
                f.get_or_insert(message);
            }
            out.fill(f64::NAN);
        }
    }

    fn n(&self) -> usize {
        self.announced.dim
    }
}

impl Drop for ExternalProblem {
    fn drop(&mut self) {
        if let Ok(mut slot) = self.server.lock()
            && let Some(server) = slot.take()
        {
            self.pool.give_back(server);
        }
    }
}

impl Problem for ExternalProblem {
    fn dim(&self) -> usize {
        self.n()
    }

    fn value(&self, x: &[f64]) -> f64 {
        let mut out = [0.0];
        self.call(
            Want {
                value: true,
                ..Want::default()
            },
            x,
            None,
            &mut out,
        );
        out[0]
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.call(
            Want {
                gradient: true,
                ..Want::default()
            },
            x,
            None,
            g,
        );
    }

    fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let mut out = vec![0.0; self.n() + 1];
        self.call(
            Want {
                value: true,
                gradient: true,
                ..Want::default()
            },
            x,
            None,
            &mut out,
        );
        g.copy_from_slice(&out[1..]);
        out[0]
    }

    fn second_order(&self) -> Option<&dyn SecondOrder> {
        let o = self.announced.offers;
        (o.hvp || o.hessian).then_some(self as &dyn SecondOrder)
    }

    fn standard_start(&self) -> Vec<f64> {
        self.start.clone()
    }

    fn optimum(&self) -> Option<Optimum> {
        self.announced.f_star.map(|value| Optimum {
            value,
            point: self.announced.x_star.clone(),
        })
    }

    fn curvature(&self) -> Option<Curvature> {
        self.announced.curvature
    }

    fn critical_points(&self) -> Vec<CriticalPoint> {
        self.announced.critical.clone()
    }

    fn offers(&self) -> Option<Capabilities> {
        let o = self.announced.offers;
        Some(Capabilities {
            hessian: o.hessian,
            hvp: o.hvp,
            curvature: self.announced.curvature.is_some(),
            layers: false,
            exact: true,
        })
    }

    fn fault(&self) -> Option<String> {
        self.fault.lock().ok().and_then(|f| f.clone())
    }
}

impl SecondOrder for ExternalProblem {
    /// The process's product where it offers one; else the dense Hessian's.
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let n = self.n();
        if self.announced.offers.hvp {
            let want = Want {
                hvp: true,
                ..Want::default()
            };
            return self.call(want, x, Some(v), out);
        }
        let mut h = Mat::zeros(n, n);
        self.hessian(x, &mut h);
        for (i, o) in out.iter_mut().enumerate() {
            *o = (0..n).map(|j| h[(i, j)] * v[j]).sum();
        }
    }

    /// The process's dense Hessian where it offers one (up to [`MAX_HESSIAN_DIM`]); else assembled column
    /// by column from its products `H e_j` (for the harness's own diagnostics: an optimizer that needs the
    /// dense Hessian is `not-applicable` where the process does not offer it).
    fn hessian(&self, x: &[f64], h: &mut Mat<f64>) {
        let n = self.n();
        let o = self.announced.offers;
        if o.hessian && (n <= MAX_HESSIAN_DIM || !o.hvp) {
            let mut out = vec![0.0; n * n];
            let want = Want {
                hessian: true,
                ..Want::default()
            };
            self.call(want, x, None, &mut out);
            for (i, row) in out.chunks_exact(n).enumerate() {
                for (j, v) in row.iter().enumerate() {
                    h[(i, j)] = *v;
                }
            }
            return;
        }
        let mut e = vec![0.0; n];
        let mut col = vec![0.0; n];
        for j in 0..n {
            e[j] = 1.0;
            self.hvp(x, &e, &mut col);
            e[j] = 0.0;
            for (i, v) in col.iter().enumerate() {
                h[(i, j)] = *v;
            }
        }
    }
}
