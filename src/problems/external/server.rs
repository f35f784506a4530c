//! One problem process: started, greeted, asked for evaluations, and killed on any fault.
//!
//! The conversation is that of `docs/problem-protocol.md`: the harness sends `hello` (the instance's
//! `params`), the process answers with its own `hello` (dimension, standard start, what it offers, what it
//! knows of its optimum and curvature), then answers every `eval` (and `start`, where offered) with a
//! `result`. The framing, the process group, the stderr tail and the fault messages are the external
//! optimizer's ([`crate::external`]).

use std::time::Duration;

use serde::Deserialize;

use crate::external::client::{ClientProcess, describe_exit};
use crate::external::protocol::{ReadError, read_f64s, write_message, write_numbers};
use crate::problem::Curvature;
use crate::problem::critical::CriticalPoint;

/// The problem protocol's name, sent and expected in `hello`.
pub const PROTOCOL: &str = "optzoo-problem";

/// The problem protocol's version: 2, the optimizer protocol's version whose framing and shared memory it
/// reuses. A later version that an older process could misread gets a new number.
pub const VERSION: u32 = 2;

/// The largest dimension a problem process may announce (a vector of 2^27 numbers is 1 GiB).
pub const MAX_DIM: usize = 1 << 27;

pub use crate::external::protocol::MAX_HESSIAN_DIM;

/// A header a problem process sent. Unknown keys are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct ServerHeader {
    /// `hello`, `result` or `fail`.
    pub op: String,
    /// The payload length in numbers.
    pub f64: u64,
    /// `hello`: the protocol's name.
    #[serde(default)]
    pub protocol: Option<String>,
    /// `hello`: the version the process speaks.
    #[serde(default)]
    pub version: Option<u32>,
    /// `hello`: the dimension.
    #[serde(default)]
    pub dim: Option<u64>,
    /// `hello`: what the process evaluates.
    #[serde(default)]
    pub offers: Vec<String>,
    /// `hello`: the minimum value `f*`, where known.
    #[serde(default)]
    pub f_star: Option<f64>,
    /// `hello`: a minimiser `x*` follows the standard start in the payload.
    #[serde(default)]
    pub x_star: bool,
    /// `hello`: global curvature bounds.
    #[serde(default)]
    pub curvature: Option<CurvatureBounds>,
    /// `hello`: documented critical points.
    #[serde(default)]
    pub critical_points: Vec<CriticalEntry>,
    /// `fail`: why.
    #[serde(default)]
    pub message: Option<String>,
}

/// Curvature bounds as a `hello` states them: `mu I <= H(x) <= L I`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurvatureBounds {
    /// The smallest eigenvalue bound.
    pub mu: f64,
    /// The largest eigenvalue bound.
    #[serde(rename = "L")]
    pub l: f64,
}

/// A documented critical point as a `hello` states it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriticalEntry {
    /// Its location.
    pub point: Vec<f64>,
    /// The value there.
    pub value: f64,
    /// The number of negative Hessian eigenvalues.
    pub index: usize,
    /// The number of zero Hessian eigenvalues.
    #[serde(default)]
    pub nullity: usize,
}

/// What a problem process evaluates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Offers {
    /// Hessian-vector products.
    pub hvp: bool,
    /// The dense Hessian.
    pub hessian: bool,
    /// A start per seed (`start`).
    pub start: bool,
}

/// What a problem process announced in its `hello`.
#[derive(Debug, Clone, PartialEq)]
pub struct Announced {
    /// The dimension.
    pub dim: usize,
    /// The standard start.
    pub x0: Vec<f64>,
    /// What it evaluates beyond values and gradients.
    pub offers: Offers,
    /// The minimum value, where known.
    pub f_star: Option<f64>,
    /// A minimiser, where known.
    pub x_star: Option<Vec<f64>>,
    /// Global curvature bounds, where known.
    pub curvature: Option<Curvature>,
    /// Documented critical points.
    pub critical: Vec<CriticalPoint>,
}

/// What an `eval` asks for, in the answer's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Want {
    /// The value (1 number).
    pub value: bool,
    /// The gradient (`dim` numbers).
    pub gradient: bool,
    /// The Hessian-vector product (`dim` numbers; the request carries the direction).
    pub hvp: bool,
    /// The dense Hessian (`dim * dim` numbers, row-major).
    pub hessian: bool,
}

impl Want {
    /// How many numbers the answer holds at dim `n`.
    pub fn len(self, n: usize) -> usize {
        usize::from(self.value)
            + n * (usize::from(self.gradient) + usize::from(self.hvp))
            + if self.hessian { n * n } else { 0 }
    }

    /// The `want` list of the request.
    fn names(self) -> Vec<&'static str> {
        [
            (self.value, "value"),
            (self.gradient, "gradient"),
            (self.hvp, "hvp"),
            (self.hessian, "hessian"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

/// How to start a problem process.
#[derive(Debug, Clone)]
pub struct Launch {
    /// Program and arguments, the program's path resolved.
    pub command: Vec<String>,
    /// The folder it runs in.
    pub dir: std::path::PathBuf,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Wall time allowed for its start (until its `hello`) and for each answer.
    pub timeout: Duration,
    /// How runs' messages name it.
    pub label: String,
    /// The `params` sent in the harness's `hello`.
    pub params: serde_json::Value,
}

/// A running problem process, greeted.
pub struct Server {
    process: ClientProcess,
    line: Vec<u8>,
    bytes: Vec<u8>,
    timeout: Duration,
    label: String,
    n: usize,
}

impl Server {
    /// Starts the process, sends the harness's `hello` and reads the process's; a fault is the run's message.
    pub fn start(launch: &Launch) -> Result<(Server, Announced), String> {
        // The lifetime watchdog is not used: the process serves many runs, and each answer has its own limit.
        let process = ClientProcess::spawn(
            &launch.command,
            &launch.dir,
            &launch.env,
            Duration::from_secs(u64::from(u32::MAX)),
            None,
        )
        .map_err(|e| format!("problem {}: {e}", launch.label))?;
        let mut server = Server {
            process,
            line: Vec::with_capacity(256),
            bytes: Vec::new(),
            timeout: launch.timeout,
            label: launch.label.clone(),
            n: 0,
        };
        let hello = serde_json::json!({
            "op": "hello",
            "protocol": PROTOCOL,
            "version": VERSION,
            "versions": [VERSION],
            "params": launch.params,
            "label": launch.label,
        });
        // A process gone before it reads the hello is judged by what it wrote and how it exited.
        if let Some(w) = server.process.input.as_mut()
            && write_message(w, &hello.to_string(), &[]).is_err()
        {
            server.process.input = None;
        }
        let header = server.header("hello")?;
        let announced = server.hello(header)?;
        server.n = announced.dim;
        Ok((server, announced))
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.n
    }

    /// Kills the process and describes the fault `what`, with the end of its stderr.
    pub fn fault(&mut self, what: &str) -> String {
        self.process
            .fault_report(&format!("problem {}", self.label), what)
    }

    /// Reads the next header, within the timeout; anything but `expected` or `fail` is a fault.
    fn header(&mut self, expected: &str) -> Result<ServerHeader, String> {
        let read = self
            .process
            .read_header_within::<ServerHeader>(&mut self.line, self.timeout);
        let header = match read {
            None => {
                let what = format!(
                    "problem process timed out: no answer to {expected} within {} s",
                    self.timeout.as_secs_f64()
                );
                return Err(self.fault(&what));
            }
            Some(Ok(h)) => h,
            Some(Err(e)) => return Err(self.read_error(e)),
        };
        match header.op.as_str() {
            "fail" => {
                let message = header.message.unwrap_or_default();
                let message: String = message.chars().take(1000).collect();
                Err(self.fault(&format!("problem process failed: {message}")))
            }
            op if op == expected => Ok(header),
            other => Err(self.fault(&format!(
                "protocol violation: expected {expected} or fail, got op {other:?}"
            ))),
        }
    }

    fn read_error(&mut self, e: ReadError) -> String {
        let what = match e {
            ReadError::Closed | ReadError::Truncated(_) => {
                match self.process.wait_for(Duration::from_millis(500)) {
                    Some(s) => format!("problem process {}", describe_exit(s)),
                    None => match e {
                        ReadError::Truncated(m) => format!("protocol violation: {m}"),
                        _ => "problem process closed its stdout".into(),
                    },
                }
            }
            ReadError::Garbage(m) => format!("protocol violation: garbage on stdout: {m}"),
        };
        self.fault(&what)
    }

    /// Reads the process's `hello` (its header already read) and checks it.
    fn hello(&mut self, h: ServerHeader) -> Result<Announced, String> {
        if h.protocol.as_deref() != Some(PROTOCOL) || h.version != Some(VERSION) {
            return Err(self.fault(&format!(
                "protocol violation: hello must say protocol {PROTOCOL:?} version {VERSION}, got {:?} version {:?}",
                h.protocol, h.version
            )));
        }
        let dim = match h.dim.map(usize::try_from) {
            Some(Ok(d)) if (1..=MAX_DIM).contains(&d) => d,
            _ => {
                let got = h.dim.map_or("none".to_string(), |d| d.to_string());
                return Err(self.fault(&format!(
                    "protocol violation: hello must give dim, an integer in 1..={MAX_DIM}, got {got}"
                )));
            }
        };
        let mut offers = Offers::default();
        let (mut value, mut gradient) = (false, false);
        for o in &h.offers {
            match o.as_str() {
                "value" => value = true,
                "gradient" => gradient = true,
                "value_and_gradient" => {}
                "hvp" => offers.hvp = true,
                "hessian" => offers.hessian = true,
                "start" => offers.start = true,
                other => {
                    return Err(self.fault(&format!(
                        "protocol violation: hello offers {other:?}; known: value, gradient, value_and_gradient, hvp, hessian, start"
                    )));
                }
            }
        }
        if !(value && gradient) {
            return Err(
                self.fault("protocol violation: hello must offer \"value\" and \"gradient\"")
            );
        }
        let expected = if h.x_star { 2 * dim } else { dim } as u64;
        if h.f64 != expected {
            return Err(self.fault(&format!(
                "protocol violation: wrong length: hello sent {} numbers, expected {expected} (x0{})",
                h.f64,
                if h.x_star { " and x*" } else { "" }
            )));
        }
        let mut x0 = vec![0.0; dim];
        self.payload(&mut x0, "hello")?;
        let x_star = if h.x_star {
            let mut x = vec![0.0; dim];
            self.payload(&mut x, "hello")?;
            Some(x)
        } else {
            None
        };
        let finite = |v: f64| v.is_finite();
        if let Some(bad) = h
            .f_star
            .filter(|v| !finite(*v))
            .map(|v| format!("f_star {v}"))
            .or_else(|| {
                h.curvature
                    .filter(|c| !(finite(c.mu) && finite(c.l) && 0.0 <= c.mu && c.mu <= c.l))
                    .map(|c| format!("curvature mu {} L {} (0 <= mu <= L, finite)", c.mu, c.l))
            })
        {
            return Err(self.fault(&format!("protocol violation: hello states {bad}")));
        }
        let mut critical = Vec::new();
        for c in &h.critical_points {
            if c.point.len() != dim || c.index + c.nullity > dim {
                return Err(self.fault(&format!(
                    "protocol violation: wrong length: a critical point has {} coordinates and index {} + \
                     nullity {}, for dim {dim}",
                    c.point.len(),
                    c.index,
                    c.nullity
                )));
            }
            critical.push(CriticalPoint {
                point: c.point.clone(),
                value: c.value,
                index: c.index,
                nullity: c.nullity,
            });
        }
        Ok(Announced {
            dim,
            x0,
            offers,
            f_star: h.f_star,
            x_star,
            curvature: h.curvature.map(|c| Curvature {
                mu: c.mu,
                lipschitz: c.l,
            }),
            critical,
        })
    }

    /// Reads `out.len()` numbers of a payload; a NaN is a fault (an infinity is a value, as a diverging
    /// built-in's would be).
    fn payload(&mut self, out: &mut [f64], what: &str) -> Result<(), String> {
        if let Err(e) = read_f64s(&mut self.process.output, &mut self.bytes, out) {
            return Err(self.read_error(e));
        }
        if let Some(i) = out.iter().position(|v| v.is_nan()) {
            return Err(self.fault(&format!(
                "non-finite: the answer to {what} holds NaN at number {i}"
            )));
        }
        Ok(())
    }

    /// Sends a request (header and numbers) and reads the `result` header, checking its length.
    fn ask(
        &mut self,
        header: &str,
        numbers: &[&[f64]],
        expected: usize,
        what: &str,
    ) -> Result<(), String> {
        let count: usize = numbers.iter().map(|v| v.len()).sum();
        let sent = match self.process.input.as_mut() {
            Some(w) => crate::external::protocol::write_header(w, header, count)
                .and_then(|()| {
                    numbers.iter().try_for_each(|v| {
                        let mut bytes = Vec::new();
                        crate::external::protocol::put_f64s(&mut bytes, v);
                        std::io::Write::write_all(w, &bytes)
                    })
                })
                .and_then(|()| std::io::Write::flush(w)),
            None => Err(std::io::ErrorKind::BrokenPipe.into()),
        };
        if sent.is_err() {
            return Err(self.read_error(ReadError::Closed));
        }
        let h = self.header("result")?;
        if h.f64 != expected as u64 {
            return Err(self.fault(&format!(
                "protocol violation: wrong length: the result of {what} has {} numbers, expected {expected} (dim {})",
                h.f64, self.n
            )));
        }
        Ok(())
    }

    /// Evaluates `want` at `x` (and `v`, for an hvp), writing the answer's numbers into `out` (exactly
    /// [`Want::len`] of them).
    pub fn eval(
        &mut self,
        want: Want,
        x: &[f64],
        v: Option<&[f64]>,
        out: &mut [f64],
    ) -> Result<(), String> {
        let header = serde_json::json!({ "op": "eval", "want": want.names() }).to_string();
        let what = format!("eval {}", want.names().join("+"));
        let numbers: Vec<&[f64]> = match v {
            Some(v) if want.hvp => vec![x, v],
            _ => vec![x],
        };
        self.ask(&header, &numbers, want.len(self.n), &what)?;
        self.payload(out, &what)
    }

    /// The start of the run with `seed` (`start`, where offered).
    pub fn start_for(&mut self, seed: u64) -> Result<Vec<f64>, String> {
        let header = serde_json::json!({ "op": "start", "seed": seed }).to_string();
        let what = format!("start (seed {seed})");
        self.ask(&header, &[], self.n, &what)?;
        let mut x = vec![0.0; self.n];
        self.payload(&mut x, &what)?;
        Ok(x)
    }

    /// Tells the process to stop and ends it (within a short grace), its group killed.
    pub fn close(mut self) {
        if let Some(w) = self.process.input.as_mut() {
            let _ = write_numbers(w, r#"{"op":"stop"}"#, &[]);
        }
        self.process.close(Duration::from_millis(200));
    }
}
