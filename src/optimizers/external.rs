//! `external`: an optimizer written in any language, run as a client process that speaks the protocol of
//! `docs/external-protocol.md` over its stdin and stdout.
//!
//! The harness stays the only judge: each `eval` the client sends goes through the run's counting
//! [`Oracle`], each `iterate` is one iteration, which the runner measures and judges with the stop rule like a
//! built-in's step; the answer (`continue` or `stop`) is sent at the start of the next step or by
//! [`Optimizer::finish`]. A client that ends on its own (`done`, or exit status 0) ends the run with the stop
//! rule's verdict where one holds, else `stopped`. Every fault (a failed start, a non-zero exit, a timeout,
//! garbage, a wrong length, a NaN, an unknown operation) is a `failed` outcome whose message names it and
//! quotes the tail of the client's stderr; the client is killed and reaped whatever happens.
//!
//! Its keys are listed in [`PARAMS`] (shown by `optzoo list optimizers` and in `docs/reference.md`); what
//! the listing cannot say: `command` is a list taken whole (not a grid axis) and the client runs in the
//! config file's folder, so relative paths in it are relative to the config; after `timeout_s` the client's
//! process group is killed; `requires` names what the client needs besides values and gradients, `"hvp"`,
//! `"hessian"` or `"exact"` (exact values and gradients: no minibatch noise, for a client with a line
//! search), and a problem without it is `not-applicable`; `files` and `version` are part of the client's
//! identity (the files' hashes and the text enter the run id). Every key but `requires` is one an external
//! problem takes too: they are declared, listed with their defaults and checked once, in
//! [`crate::external::keys`]; the hashes of the client's files (`client_files`) are computed when the table
//! is read, and `files` and `client_files` are left out of the canonical parameters when empty.
//!
//! **Identity.** A run's id includes what its client runs: the SHA-256 (16 hex digits) of every argument of
//! `command` that names an existing file (relative to the config's folder; the program itself when it is
//! given as a path, not when it is found on `PATH`, so an interpreter is not hashed: pin it with `version`)
//! and of every file matched by `files`, recorded as `client_files` (path as written -> hash) among the
//! optimizer's parameters, with `version`. Editing the client's code therefore gives its runs new ids, and a
//! rerun into the same folder reruns them.

use std::path::PathBuf;
use std::time::Duration;

use faer::Mat;

use super::{Checked, ParseContext};
use crate::external::client::{ClientProcess, GRACE, describe_exit};
use crate::external::protocol::{
    Header, MAX_BATCH, PROTOCOL, ReadError, VERSION, VERSIONS, read_f64s, write_header,
    write_message, write_numbers,
};
use crate::external::shm::{self, Shared};
use crate::external::{files, keys};
use crate::footprint::Footprint;
use crate::optimizer::{Optimizer, StepError, StepInfo};
use crate::oracle::Oracle;
use crate::params::{ParamDoc, ParamError};
use crate::problem::Capabilities;
use crate::stop::Status;
use crate::theory::Anatomy;
use crate::vector::same_bits;

/// The keys of `external`: the keys every external process takes ([`keys`]), in a client's words, and
/// `requires`.
pub const PARAMS: &[ParamDoc] = &[
    keys::doc(
        "command",
        "program and arguments, e.g. [\"python3\", \"my_opt.py\"]; run in the config file's folder",
    ),
    keys::doc(
        "label",
        "how tables and figures name this optimizer (part of the run id)",
    ),
    keys::doc(
        "params",
        "a table passed to the client; its list values are grid axes",
    ),
    keys::doc(
        "timeout_s",
        "wall time per run, in seconds, after which the client is killed",
    ),
    ParamDoc {
        name: "requires",
        default: "[]",
        doc: "what the client needs besides values and gradients: \"hvp\", \"hessian\", \"exact\" (no minibatch noise: a client with a line search)",
    },
    keys::doc(
        "env",
        "environment variables added for the client, e.g. { OMP_NUM_THREADS = \"1\" }",
    ),
    keys::doc(
        "files",
        "globs of further files the client runs, relative to the config's folder (hashed into the run id)",
    ),
    keys::doc(
        "version",
        "free text for what the file hashes cannot see, e.g. \"python 3.11, numpy 2.1\" (part of the run id)",
    ),
];

const _: () = assert!(keys::lists_all(PARAMS));

pub use crate::external::protocol::MAX_HESSIAN_DIM;

/// The keys whose list value is taken whole.
pub const LISTS: &[&str] = &["command", "requires", "files"];

keys::external_config! {
    /// The `[[optimizer]]` table of `name = "external"`: the keys every external process takes ([`keys`]) and
    /// `requires`.
    pub struct ExternalConfig {
        /// `"hvp"`, `"hessian"`, `"exact"`.
        #[serde(default)]
        pub requires: Vec<String>,
    }
}

impl ExternalConfig {
    /// What the client needs of a problem, from `requires`, or an error naming the key.
    pub fn needs(&self) -> Result<Capabilities, ParamError> {
        let mut needs = Capabilities::default();
        for r in &self.requires {
            match r.as_str() {
                "hvp" => needs.hvp = true,
                "hessian" => needs.hessian = true,
                "exact" => needs.exact = true,
                other => {
                    return Err(ParamError::key(
                        "requires",
                        format!(
                            "`requires` lists what the client needs: \"hvp\", \"hessian\" or \"exact\" (exact values and gradients, no minibatches), got {other:?}"
                        ),
                    ));
                }
            }
        }
        Ok(needs)
    }
}

/// Parses and checks an `external` table; its client will run in the config file's folder.
pub fn parse(
    table: &toml::Table,
    docs: &[ParamDoc],
    context: &ParseContext,
) -> Result<Checked, ParamError> {
    let keys::Parsed {
        config,
        own: needs,
        dir,
    } = keys::parse(
        table,
        docs,
        context.base_dir.as_deref(),
        super::label::check,
        ExternalConfig::needs,
    )?;
    Ok(Checked {
        params: serde_json::to_value(&config).unwrap_or(serde_json::Value::Null),
        optimizer: Box::new(External {
            command: files::resolve_program(&config.command, &dir),
            config,
            dir,
            needs,
        }),
    })
}

/// The external optimizer: how to start its client.
#[derive(Debug, Clone)]
pub struct External {
    config: ExternalConfig,
    command: Vec<String>,
    dir: PathBuf,
    needs: Capabilities,
}

/// One run's client and buffers.
pub struct ExternalState {
    client: ClientProcess,
    n: usize,
    line: Vec<u8>,
    bytes: Vec<u8>,
    /// The numbers of an answer that goes on the pipe.
    out: Vec<f64>,
    point: Vec<f64>,
    direction: Vec<f64>,
    hessian: Option<Mat<f64>>,
    /// An iterate was reported and awaits the runner's verdict.
    pending: bool,
    /// What the reported iterate asked to have evaluated with the answer `continue` (version 2).
    answer: Option<Want>,
    /// The reported iterate was never evaluated: unless the client's next request evaluates it, it is charged
    /// one value evaluation.
    owed: bool,
    /// Hashes of every point an `eval` evaluated so far.
    evaluated: std::collections::HashSet<u64>,
    /// The reported iterate (the runner's `x`) was evaluated with the answer to it.
    answered: bool,
    /// The client's first message, read by `init` (so that the client's start-up is timed as the start).
    first: Option<Header>,
    /// The client was killed after a fault.
    dead: bool,
    /// The memory file of large vectors, where offered.
    shared: Option<Shared>,
    /// The reported iterate came through the memory file: so does the evaluation answered with it.
    answer_shm: bool,
    /// The answer to the reported iterate already sits where it goes (`Some(true)`: the memory file's response
    /// area; `Some(false)`: `out`): its evaluation was made with the runner's measurement, ahead of it
    /// ([`Oracle::measure_ahead`]), and is only charged when sent.
    prepared: Option<bool>,
}

/// The longest message of a client's `done` or `fail` that a record keeps, in characters.
pub const MAX_MESSAGE: usize = 1000;

/// `message` cut to [`MAX_MESSAGE`] characters (marked `[...]` where cut), control characters but newlines
/// and tabs shown as spaces.
fn bounded(message: &str) -> String {
    let mut out: String = message
        .chars()
        .take(MAX_MESSAGE)
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                ' '
            } else {
                c
            }
        })
        .collect();
    if message.chars().count() > MAX_MESSAGE {
        out.push_str(" [...]");
    }
    out
}

/// A hash of a point's bits, the same on every run: four independent multiply-rotate lanes over the
/// coordinates' bits, folded with the length, so that hashing a million numbers runs at memory speed (a
/// point is hashed at every evaluation). A collision can only spare a client's iterate the one value
/// evaluation it is charged when never evaluated.
fn point_hash(x: &[f64]) -> u64 {
    const K: [u64; 4] = [
        0x9E37_79B9_7F4A_7C15,
        0xC2B2_AE3D_27D4_EB4F,
        0x1656_67B1_9E37_79F9,
        0xD6E8_FEB8_6659_FD93,
    ];
    let mut lanes = K;
    let mut chunks = x.chunks_exact(4);
    for c in &mut chunks {
        for ((l, v), k) in lanes.iter_mut().zip(c).zip(K) {
            *l = (*l ^ v.to_bits()).wrapping_mul(k).rotate_left(29);
        }
    }
    for (l, v) in lanes.iter_mut().zip(chunks.remainder()) {
        *l = (*l ^ v.to_bits()).wrapping_mul(K[0]).rotate_left(29);
    }
    let mut h = x.len() as u64;
    for (l, k) in lanes.iter().zip(K) {
        h = (h ^ l).wrapping_mul(k).rotate_left(31);
    }
    h ^ (h >> 32)
}

/// What an `eval` asks for.
#[derive(Debug, Clone, Copy, Default)]
struct Want {
    value: bool,
    gradient: bool,
    hvp: bool,
    hessian: bool,
}

impl Want {
    /// How many numbers the answer holds at dim `n`.
    fn len(self, n: usize) -> usize {
        usize::from(self.value)
            + n * (usize::from(self.gradient) + usize::from(self.hvp))
            + if self.hessian { n * n } else { 0 }
    }

    fn parse(want: &[String]) -> Result<Want, String> {
        let mut w = Want::default();
        for item in want {
            let slot = match item.as_str() {
                "value" => &mut w.value,
                "gradient" => &mut w.gradient,
                "hvp" => &mut w.hvp,
                "hessian" => &mut w.hessian,
                other => {
                    return Err(format!(
                        "protocol violation: eval wants {other:?}; known: value, gradient, hvp, hessian"
                    ));
                }
            };
            if *slot {
                return Err(format!("protocol violation: eval wants {item:?} twice"));
            }
            *slot = true;
        }
        if !(w.value || w.gradient || w.hvp || w.hessian) {
            return Err("protocol violation: eval wants nothing".into());
        }
        Ok(w)
    }
}

/// The first non-finite coordinate of `x`, if any.
fn non_finite(x: &[f64]) -> Option<(usize, f64)> {
    crate::vector::first_non_finite(x)
}

impl External {
    /// Ends the run `failed` with `what`, after killing the client, quoting the end of its stderr.
    fn fault(&self, state: &mut ExternalState, what: String) -> StepError {
        let what = if state.client.timed_out() {
            format!("client timed out after {} s", self.config.timeout_s)
        } else {
            what
        };
        state.dead = true;
        StepError::Failed(state.client.fault_report(&self.config.label, &what))
    }

    /// The client closed its channel (or a write to it failed): its exit decides the outcome.
    fn ended(&self, state: &mut ExternalState, context: &str) -> StepError {
        match state.client.wait_for(GRACE) {
            _ if state.client.timed_out() => self.fault(state, String::new()),
            Some(s) if s.success() => {
                state.dead = true;
                StepError::Stopped(format!(
                    "{}: the client ended without `done`",
                    self.config.label
                ))
            }
            Some(s) => self.fault(state, format!("client {}", describe_exit(s))),
            None => self.fault(
                state,
                format!("protocol violation: {context}, but the client kept running"),
            ),
        }
    }

    fn read_error(&self, state: &mut ExternalState, e: ReadError) -> StepError {
        match e {
            ReadError::Closed => self.ended(state, "the client closed its stdout"),
            ReadError::Truncated(m) => match state.client.wait_for(Duration::from_millis(200)) {
                Some(s) if !s.success() => {
                    self.fault(state, format!("client {}", describe_exit(s)))
                }
                _ => self.fault(state, format!("protocol violation: {m}")),
            },
            ReadError::Garbage(m) => {
                self.fault(state, format!("protocol violation: garbage on stdout: {m}"))
            }
        }
    }

    /// Faults unless the header's payload length `got` is `expected` numbers.
    fn length(
        &self,
        state: &mut ExternalState,
        op: &str,
        got: u64,
        expected: u64,
    ) -> Result<(), StepError> {
        if got == expected {
            return Ok(());
        }
        Err(self.fault(
            state,
            format!(
                "protocol violation: wrong length: {op} sent {got} numbers, expected {expected} (dim {})",
                state.n
            ),
        ))
    }

    /// Reads one point (and, with `direction`, a direction after it) into the state's buffers: from the
    /// pipe, or with `shm = Some(at)` from the memory file's request area at number `at` (with `copy` false,
    /// only checked there: the caller reads it in place).
    fn read_point(
        &self,
        state: &mut ExternalState,
        op: &str,
        direction: bool,
        shm: Option<usize>,
        copy: bool,
    ) -> Result<(), StepError> {
        let ExternalState {
            client,
            bytes,
            point,
            direction: dir,
            shared,
            n,
            ..
        } = state;
        let bad = if let Some(at) = shm {
            let len = if direction { 2 * *n } else { *n };
            let Some(from) = shared.as_ref().and_then(|m| m.request(at, len)) else {
                let what = match shared {
                    Some(m) => format!(
                        "its payload does not fit the memory file's request area of {} numbers",
                        m.capacity()
                    ),
                    None => "the harness offered no memory file".into(),
                };
                return Err(self.fault(
                    state,
                    format!("protocol violation: {op} with \"shm\": true, but {what}"),
                ));
            };
            let (p, d) = from.split_at(*n);
            if copy {
                copy_finite(point, p).or_else(|| direction.then(|| copy_finite(dir, d)).flatten())
            } else {
                non_finite(from)
            }
        } else {
            let mut read = read_f64s(&mut client.output, bytes, point);
            if read.is_ok() && direction {
                read = read_f64s(&mut client.output, bytes, dir);
            }
            if let Err(e) = read {
                return Err(self.read_error(state, e));
            }
            non_finite(point).or_else(|| direction.then(|| non_finite(dir)).flatten())
        };
        if let Some((i, v)) = bad {
            return Err(self.fault(
                state,
                format!("protocol violation: non-finite coordinate {i} = {v} in {op}"),
            ));
        }
        Ok(())
    }

    /// Charges the reported iterate `x` one value evaluation, if it is still owed (it was never evaluated and
    /// the client's request after it does not evaluate it either: `evaluates_x`).
    fn settle(&self, state: &mut ExternalState, x: &[f64], oracle: &mut Oracle, evaluates_x: bool) {
        if std::mem::take(&mut state.owed) && !evaluates_x {
            oracle.value(x);
            state.evaluated.insert(point_hash(x));
        }
    }

    /// Faults unless the problem can answer `want` (second derivatives offered, a dense Hessian of a size the
    /// wire can carry).
    fn answerable(
        &self,
        state: &mut ExternalState,
        want: Want,
        oracle: &Oracle,
    ) -> Result<(), StepError> {
        let n = state.n;
        if (want.hvp || want.hessian) && !oracle.offers_second_order() {
            return Err(self.fault(
                state,
                "protocol violation: eval wants second derivatives, which this problem does not offer \
                 (its `offers` are value and gradient)"
                    .into(),
            ));
        }
        if want.hessian && n > MAX_HESSIAN_DIM {
            return Err(self.fault(
                state,
                format!(
                    "eval wants the dense Hessian of dim {n}, which needs {:.1} GiB (twice, with its copy on \
                     the wire); the limit is dim {MAX_HESSIAN_DIM}: use hvp",
                    (n * n * 8) as f64 / (1u64 << 30) as f64
                ),
            ));
        }
        Ok(())
    }

    /// Where an answer of `len` numbers goes: the memory file's response area when `shm` and it fits (then
    /// true), else the pipe's buffer, sized to it.
    fn destination(state: &mut ExternalState, len: usize, shm: bool) -> bool {
        let shared = shm && state.shared.as_ref().is_some_and(|m| m.capacity() >= len);
        if !shared && state.out.len() != len {
            state.out.resize(len, 0.0);
        }
        shared
    }

    /// The answer's numbers `range`, in the destination chosen by [`External::destination`].
    fn numbers<'s>(
        out: &'s mut [f64],
        shared: &'s mut Option<Shared>,
        to_shared: bool,
        range: std::ops::Range<usize>,
    ) -> &'s mut [f64] {
        match shared.as_mut().filter(|_| to_shared) {
            Some(m) => match m.response(range.end) {
                Some(r) => &mut r[range],
                None => &mut [],
            },
            None => &mut out[range],
        }
    }

    /// Sends the answer `op` of `len` numbers: through the memory file (the header then says `"shm": true`)
    /// or on the pipe.
    fn reply(
        &self,
        state: &mut ExternalState,
        op: &str,
        len: usize,
        to_shared: bool,
    ) -> Result<(), StepError> {
        let sent = match state.client.input.as_mut() {
            Some(w) if to_shared => write_header(w, &format!(r#"{{"shm":true,"op":"{op}"}}"#), len)
                .and_then(|()| std::io::Write::flush(w)),
            Some(w) => write_numbers(w, &format!(r#"{{"op":"{op}"}}"#), &state.out[..len]),
            None => Err(std::io::ErrorKind::BrokenPipe.into()),
        };
        sent.map_err(|_| self.ended(state, "the client closed its stdin"))
    }

    /// Answers an `eval` of one point or (version 2) a batch of `points`, each evaluated and charged in turn.
    fn eval(
        &self,
        state: &mut ExternalState,
        header: &Header,
        x: &[f64],
        oracle: &mut Oracle,
    ) -> Result<(), StepError> {
        let want = Want::parse(&header.want).map_err(|m| self.fault(state, m))?;
        let n = state.n as u64;
        let k = header.points.unwrap_or(1);
        if !(1..=MAX_BATCH).contains(&k) {
            return Err(self.fault(
                state,
                format!("protocol violation: an eval carries 1 to {MAX_BATCH} points, got {k}"),
            ));
        }
        if k > 1 && want.hessian {
            return Err(self.fault(
                state,
                "protocol violation: a batch eval cannot ask for the dense Hessian".into(),
            ));
        }
        self.answerable(state, want, oracle)?;
        let per = if want.hvp { 2 * n } else { n };
        self.length(state, "eval", header.f64, k * per)?;
        // At most MAX_BATCH answers of 2n + 1 numbers, or one dense Hessian of at most MAX_HESSIAN_DIM^2.
        let each = want.len(state.n);
        let len = each * usize::try_from(k).unwrap_or(usize::MAX);
        let to_shared = Self::destination(state, len, header.shm);
        for i in 0..k {
            let at = usize::try_from(i * per).unwrap_or(usize::MAX);
            self.read_point(state, "eval", want.hvp, header.shm.then_some(at), true)?;
            if i == 0 {
                let here = state.owed && same_bits(&state.point, x);
                self.settle(state, x, oracle, here);
            }
            state.evaluated.insert(point_hash(&state.point));
            let i = usize::try_from(i).unwrap_or(usize::MAX);
            let ExternalState {
                out,
                shared,
                point,
                direction,
                hessian,
                ..
            } = &mut *state;
            let into = Self::numbers(out, shared, to_shared, i * each..(i + 1) * each);
            evaluate(oracle, point, direction, want, into, hessian)?;
        }
        self.reply(state, "result", len, to_shared)
    }

    /// Whether the answer `want` to an iterate is made with the runner's measurement there: a gradient (with or
    /// without the value), of exact evaluations (a minibatch answer is a fresh draw, not the measurement).
    fn preparable(want: Want, oracle: &Oracle) -> bool {
        want.gradient && !want.hvp && !want.hessian && oracle.batch_size().is_none()
    }

    /// Takes the reported iterate (from the pipe, or in place from the memory file's request area with `shm`)
    /// into `x` and makes the runner's measurement there ahead of it, writing the value and gradient `want`
    /// asks for straight into the answer's destination (see [`ExternalState::prepared`]). A non-finite
    /// coordinate is a fault, `x` left as it was. Per iteration the harness then passes over the iterate
    /// three times (checked, copied into `x`, read by the evaluation), writes the gradient once and reads it
    /// once for its norm; the runner's measurement of `x` is then known and makes no pass. Nothing here
    /// writes `x` after it is measured ahead, as [`Oracle::measure_ahead`] requires.
    fn prepare(
        &self,
        state: &mut ExternalState,
        want: Want,
        shm: bool,
        x: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<(), StepError> {
        let n = state.n;
        let len = want.len(n);
        if !shm {
            let ExternalState {
                client,
                bytes,
                point,
                ..
            } = &mut *state;
            if let Err(e) = read_f64s(&mut client.output, bytes, point) {
                return Err(self.read_error(state, e));
            }
        }
        let to_shared = Self::destination(state, len, shm);
        let ExternalState {
            shared, point, out, ..
        } = &mut *state;
        let areas = match shared.as_mut().filter(|_| shm) {
            Some(m) => m.areas(n, len),
            None if !shm => Some((&point[..], &mut out[..len])),
            None => None,
        };
        let Some((from, into)) = areas else {
            let what = match shared {
                Some(m) => format!(
                    "its payload does not fit the memory file's request area of {} numbers",
                    m.capacity()
                ),
                None => "the harness offered no memory file".into(),
            };
            return Err(self.fault(
                state,
                format!("protocol violation: iterate with \"shm\": true, but {what}"),
            ));
        };
        let (value, gradient) = into.split_at_mut(usize::from(want.value));
        match oracle.measure_ahead(from, x, gradient) {
            Ok(v) => {
                if let Some(slot) = value.first_mut() {
                    *slot = v;
                }
                state.prepared = Some(to_shared);
                Ok(())
            }
            Err((i, v)) => Err(self.fault(
                state,
                format!("protocol violation: non-finite coordinate {i} = {v} in iterate"),
            )),
        }
    }

    /// The answer to the reported iterate `x`: `continue`, with the evaluation it asked for (version 2).
    fn answer(
        &self,
        state: &mut ExternalState,
        x: &[f64],
        oracle: &mut Oracle,
    ) -> Result<(), StepError> {
        let Some(want) = state.answer.take() else {
            return self.reply(state, "continue", 0, false);
        };
        let len = want.len(state.n);
        if let Some(to_shared) = state.prepared.take()
            && oracle.charge_measured(want.value, want.gradient)
        {
            state.answered = true;
            return self.reply(state, "continue", len, to_shared);
        }
        let to_shared = Self::destination(state, len, state.answer_shm);
        let ExternalState {
            out,
            shared,
            direction,
            hessian,
            ..
        } = &mut *state;
        let into = Self::numbers(out, shared, to_shared, 0..len);
        evaluate(oracle, x, direction, want, into, hessian)?;
        state.answered = true;
        self.reply(state, "continue", len, to_shared)
    }
}

/// Evaluates `want` at `x` (and `direction`, for an hvp) through the oracle, writing the answer's numbers
/// (value, gradient, hvp, Hessian row by row, those asked for, in that order) into `into`, which holds
/// exactly [`Want::len`] of them.
fn evaluate(
    oracle: &mut Oracle,
    x: &[f64],
    direction: &[f64],
    want: Want,
    into: &mut [f64],
    hessian: &mut Option<Mat<f64>>,
) -> Result<(), StepError> {
    let n = x.len();
    let mut at = 0;
    match (want.value, want.gradient) {
        (true, true) => {
            let (v, g) = into.split_at_mut(1);
            v[0] = oracle.value_and_gradient(x, &mut g[..n]);
            at = n + 1;
        }
        (true, false) => {
            into[0] = oracle.value(x);
            at = 1;
        }
        (false, true) => {
            oracle.gradient(x, &mut into[..n]);
            at = n;
        }
        (false, false) => {}
    }
    if want.hvp {
        oracle.hvp(x, direction, &mut into[at..at + n])?;
        at += n;
    }
    if want.hessian {
        let h = hessian.get_or_insert_with(|| Mat::zeros(n, n));
        oracle.hessian(x, h)?;
        for (i, row) in into[at..at + n * n].chunks_exact_mut(n).enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = h[(i, j)];
            }
        }
    }
    Ok(())
}

/// Copies `from` into `to` in one pass, returning the first non-finite coordinate, if any.
fn copy_finite(to: &mut [f64], from: &[f64]) -> Option<(usize, f64)> {
    crate::vector::copy_finite(to, from).err()
}

impl Optimizer for External {
    type State = ExternalState;

    fn requires(&self) -> Capabilities {
        self.needs
    }

    fn init(&self, x0: &[f64], oracle: &mut Oracle) -> Result<ExternalState, StepError> {
        let n = x0.len();
        let shared = Shared::create(n);
        let client = ClientProcess::spawn(
            &self.command,
            &self.dir,
            &self
                .config
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>(),
            Duration::from_secs_f64(self.config.timeout_s),
            shared.as_ref().map(Shared::raw_fd),
        )
        .map_err(|e| StepError::Failed(format!("{}: {e}", self.config.label)))?;
        let mut state = ExternalState {
            client,
            n,
            line: Vec::with_capacity(256),
            bytes: Vec::new(),
            out: Vec::with_capacity(n + 1),
            point: vec![0.0; n],
            direction: vec![0.0; n],
            hessian: None,
            pending: false,
            answer: None,
            owed: false,
            evaluated: std::collections::HashSet::new(),
            answered: false,
            first: None,
            dead: false,
            shared,
            answer_shm: false,
            prepared: None,
        };
        let mut offers = vec!["value", "gradient"];
        if oracle.offers_second_order() {
            offers.extend(["hvp", "hessian"]);
        }
        let (seed, problem) = match oracle.run() {
            Some(r) => (
                r.seed,
                serde_json::json!({ "family": r.family, "params": r.params }),
            ),
            None => (0, serde_json::Value::Null),
        };
        let mut hello = serde_json::json!({
            "op": "hello",
            "protocol": PROTOCOL,
            "version": VERSION,
            "versions": VERSIONS,
            "dim": n,
            "seed": seed,
            "params": self.config.params,
            "label": self.config.label,
            "offers": offers,
            "problem": problem,
        });
        if let (Some(m), Some(h)) = (&state.shared, hello.as_object_mut()) {
            h.insert(
                "shm_file".into(),
                serde_json::json!({ "fd": shm::FD, "f64": m.capacity() }),
            );
        }
        // A client may be gone before it reads the hello (one that only says `done`): what it wrote is still
        // read, so a failed write is not yet a fault.
        if let Some(w) = state.client.input.as_mut()
            && write_numbers(w, &hello.to_string(), x0).is_err()
        {
            state.client.input = None;
        }
        // The client's first message ends its start-up (an interpreter starting, modules importing), which is
        // then timed as the optimizer's start, apart from its iterations.
        let first = {
            let ExternalState { client, line, .. } = &mut state;
            client.read_header(line)
        };
        state.first = Some(match first {
            Ok(h) => h,
            // A client that ends without a word never spoke the protocol: a fault, whatever its status.
            Err(ReadError::Closed) => {
                let what = match state.client.wait_for(GRACE) {
                    Some(s) => format!("client {} before sending any message", describe_exit(s)),
                    None => "the client closed its stdout before sending any message".into(),
                };
                return Err(self.fault(&mut state, what));
            }
            Err(e) => return Err(self.read_error(&mut state, e)),
        });
        Ok(state)
    }

    fn step(
        &self,
        state: &mut ExternalState,
        x: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<StepInfo, StepError> {
        if state.pending {
            state.pending = false;
            self.answer(state, x, oracle)?;
        }
        loop {
            let header = match state.first.take() {
                Some(h) => h,
                None => {
                    let header = {
                        let ExternalState { client, line, .. } = &mut *state;
                        client.read_header(line)
                    };
                    header.map_err(|e| self.read_error(state, e))?
                }
            };
            if header.op != "eval" {
                self.settle(state, x, oracle, false);
            }
            match header.op.as_str() {
                "eval" => self.eval(state, &header, x, oracle)?,
                "iterate" => {
                    // Version 2: the iterate may ask for its evaluation with the answer.
                    let want = if header.want.is_empty() {
                        None
                    } else {
                        Some(Want::parse(&header.want).map_err(|m| self.fault(state, m))?)
                    };
                    if want.is_some_and(|w| w.hvp) {
                        return Err(self.fault(
                            state,
                            "protocol violation: an iterate cannot ask for hvp (it carries no direction)"
                                .into(),
                        ));
                    }
                    self.length(state, "iterate", header.f64, state.n as u64)?;
                    if let Some(w) = want.filter(|w| Self::preparable(*w, oracle)) {
                        self.prepare(state, w, header.shm, x, oracle)?;
                        state.owed = false;
                        state.answer_shm = header.shm;
                        state.answered = false;
                        state.answer = want;
                        state.pending = true;
                        return Ok(StepInfo::default());
                    }
                    let n = state.n;
                    self.read_point(state, "iterate", false, header.shm.then_some(0), false)?;
                    // The iterate, read in place: in the memory file, or as read from the pipe.
                    let ExternalState {
                        shared,
                        point,
                        answered,
                        evaluated,
                        ..
                    } = &*state;
                    let iterate = match shared.as_ref().filter(|_| header.shm) {
                        Some(m) => m.request(0, n).unwrap_or(point),
                        None => point,
                    };
                    // Owed unless evaluated: by an `eval`, or (the same point reported again) by the answer to
                    // the iterate before.
                    let owed = want.is_none()
                        && !(*answered && same_bits(iterate, x))
                        && !evaluated.contains(&point_hash(iterate));
                    x.copy_from_slice(iterate);
                    state.owed = owed;
                    state.answer_shm = header.shm;
                    state.answered = false;
                    state.answer = want;
                    state.pending = true;
                    return Ok(StepInfo::default());
                }
                "done" | "fail" if header.f64 != 0 => {
                    return Err(self.fault(
                        state,
                        format!(
                            "protocol violation: wrong length: {} carries no numbers, got {}",
                            header.op, header.f64
                        ),
                    ));
                }
                "done" => {
                    let message = header
                        .message
                        .map(|m| bounded(&m))
                        .unwrap_or_else(|| "the client ended on its own".into());
                    return Err(StepError::Stopped(format!(
                        "{}: {message}",
                        self.config.label
                    )));
                }
                "fail" => {
                    let message = bounded(&header.message.unwrap_or_default());
                    return Err(self.fault(state, format!("client failed: {message}")));
                }
                other => {
                    return Err(self.fault(
                        state,
                        format!(
                            "protocol violation: unknown op {other:?}; known: eval, iterate, done, fail"
                        ),
                    ));
                }
            }
        }
    }

    fn finish(&self, state: &mut ExternalState, status: Status) {
        // The answer to the reported iterate, or (the budget ended inside an eval) to the eval.
        if !state.dead {
            state.pending = false;
            let header = serde_json::json!({ "op": "stop", "status": status.as_str() }).to_string();
            if let Some(w) = state.client.input.as_mut() {
                let _ = write_message(w, &header, &[]);
            }
        }
        state.client.close(GRACE);
    }

    fn anatomy(&self) -> Option<Anatomy> {
        // This process holds the protocol's buffers: the point sent, a direction, and the numbers of an answer.
        Some(Anatomy::in_client_process(
            "the client's",
            Footprint::none().vectors(3, "point, direction, answer"),
        ))
    }
}
