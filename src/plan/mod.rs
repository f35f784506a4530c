//! An experiment config read into a [`Plan`]: TOML -> raw file structs (with spans) -> every name resolved
//! and every value checked, before anything runs; [`execute`] runs a plan.
//!
//! An experiment config names suites (embedded, by name, or files, by path relative to the config), adds
//! inline `[[problem]]` tables, lists `[[optimizer]]` tables, `seeds` and a `[stop]` rule. A list value is a
//! grid axis, and lists named together in a table's `zip` are one axis (see [`crate::config::grid`]); the
//! sweep is the product of problem instances, optimizers and seeds. A `[sharpness]` table makes every run
//! measure the Hessian's extreme eigenvalues along the way (see [`crate::record::sharpness`]). Every error
//! names the file, line, column and key, and suggests the nearest valid name.
//!
//! Sizes are counted before anything is built: files are read up to [`crate::config::MAX_FILE_BYTES`], the
//! run count of the sweep is computed from the grids' axis lengths before any grid is expanded and refused
//! above [`Limits::max_runs`], and planning keeps one copy of each file's text, however many instances it
//! holds, so that memory grows with the runs planned and not with runs x file size.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

pub mod execute;
mod sharpness;

use crate::config::grid::count;
use crate::config::grid::{RawTable, expand, span_of};
use crate::config::{ConfigError, SourceText, is_plain_name, repeated_seed, suggest};

use crate::optimizers::{Checked, ParseContext};
use crate::params::ParamError;
use crate::problem::KnownOptimum;
use crate::problems::Instance;
use crate::registry::Registry;
use crate::runner::PlannedRun;
use crate::stop::{StopConfig, StopRule};
use crate::tune::TuningPlan;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    name: Option<Spanned<String>>,
    #[allow(dead_code)]
    description: Option<String>,
    seeds: Option<Spanned<Vec<Spanned<u64>>>>,
    #[serde(default)]
    suites: Vec<Spanned<String>>,
    #[serde(default)]
    problem: Vec<Spanned<RawTable>>,
    stop: Option<Spanned<RawTable>>,
    #[serde(default)]
    optimizer: Vec<Spanned<RawTable>>,
    tune: Option<Spanned<crate::tune::parse::RawTune>>,
    #[serde(default)]
    diagnose: bool,
    sharpness: Option<Spanned<RawTable>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    name: Option<String>,
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    problem: Vec<Spanned<RawTable>>,
}

/// The suite name of the problems written inline in a config's `[[problem]]` tables.
pub const INLINE_SUITE: &str = "inline";

/// The default of [`Limits::max_runs`]: a million runs (a planned run holds its spec and id, about 2 KiB:
/// a million of them plan in about 2 GiB and 10 s).
pub const DEFAULT_MAX_RUNS: u64 = 1_000_000;

/// Bounds a config is checked against before anything of it is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most runs a sweep may make (`optzoo run --max-runs N`) [default: [`DEFAULT_MAX_RUNS`]]: counted
    /// from the lengths of the grids' axes before any grid is expanded, over the whole sweep (every shard
    /// plans all of it), tuning trials included. A config above it is refused with its count.
    pub max_runs: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_runs: DEFAULT_MAX_RUNS,
        }
    }
}

/// A checked sweep: every run, ready to execute.
pub struct Plan {
    /// The config's name (default: the file stem).
    pub name: String,
    /// Where the config came from.
    pub source: String,
    /// SHA-256 (16 hex digits) of the run ids in plan order: equal for configs that plan the same runs.
    pub config_hash: String,
    /// The seeds.
    pub seeds: Vec<u64>,
    /// The stop rule.
    pub stop: StopRule,
    /// The problem instances, in order of appearance, duplicates removed.
    pub instances: Vec<Arc<Instance>>,
    /// The optimizers: (registry name, checked optimizer).
    pub optimizers: Vec<(String, Arc<Checked>)>,
    /// The runs to execute: for each instance, each optimizer, each seed (one shard's slice after
    /// [`Plan::shard`]).
    pub runs: Vec<PlannedRun>,
    /// The run ids of the whole sweep, in plan order.
    pub run_ids: Vec<String>,
    /// The shard this plan holds (`(k, n)`, 1-based), if any.
    pub shard: Option<(usize, usize)>,
    /// The tuning, where the config has a `[tune]` block: `runs` then holds the untuned optimizers' runs
    /// and the trials; the evaluation runs follow from the trials' results.
    pub tuning: Option<Arc<TuningPlan>>,
    /// How many problems planning built: one seed of each instance whose family does not declare which
    /// parts of its optimum it knows, where the stop rule has `f_tol` or `x_rtol` (built-in families
    /// declare it, so 0 for them).
    pub built: usize,
}

impl Plan {
    /// Keeps only shard `k` of `n` (1-based): every n-th run, starting at the k-th.
    ///
    /// A tuned sweep is sharded by group: a shard runs the trials and the evaluation of every n-th group
    /// (each group's choice needs all of its trials), and every n-th untuned run.
    pub fn shard(&mut self, k: usize, n: usize) {
        let runs = std::mem::take(&mut self.runs);
        self.runs = match &self.tuning {
            None => crate::runner::shard(runs, k, n),
            Some(tuning) => {
                let owned: BTreeSet<&str> = tuning
                    .groups
                    .iter()
                    .enumerate()
                    .filter(|(g, _)| crate::tune::owns(*g, Some((k, n))))
                    .flat_map(|(_, g)| g.trial_runs.iter().flatten().map(String::as_str))
                    .collect();
                let (trials, untuned): (Vec<PlannedRun>, Vec<PlannedRun>) =
                    runs.into_iter().partition(|r| r.spec.tuning.is_some());
                let mut kept = crate::runner::shard(untuned, k, n);
                kept.extend(
                    trials
                        .into_iter()
                        .filter(|r| owned.contains(r.run_id.as_str())),
                );
                kept
            }
        };
        self.shard = Some((k, n));
    }

    /// The runs this plan will make: its runs, plus the evaluation runs of its tuned groups.
    pub fn total_runs(&self) -> usize {
        self.runs.len()
            + self.tuning.as_ref().map_or(0, |t| {
                (0..t.groups.len())
                    .filter(|g| crate::tune::owns(*g, self.shard))
                    .map(|g| t.evaluation_runs(g))
                    .sum()
            })
    }
}

/// [`load_in`] the built-in registry.
pub fn load(arg: &str) -> Result<Plan, ConfigError> {
    load_in(&Registry::builtin(), arg)
}

/// [`load_with`] the default [`Limits`].
pub fn load_in(registry: &Registry, arg: &str) -> Result<Plan, ConfigError> {
    load_with(registry, arg, Limits::default())
}

/// Reads a config named by `arg`, names resolved in `registry`, the sweep within `limits`.
///
/// `arg` is a path (at most [`crate::config::MAX_FILE_BYTES`]) or the name of an embedded config. A bare name
/// (no `/`, not ending in `.toml`) means the embedded config of that name even where the working directory
/// holds a directory so named (a results folder of an earlier run, say): a directory is never a config. A
/// bare name that is both an embedded config and a file in the working directory is refused, saying how to
/// choose (`./NAME` for the file). Anything else is read as a file.
pub fn load_with(registry: &Registry, arg: &str, limits: Limits) -> Result<Plan, ConfigError> {
    let path = Path::new(arg);
    let bare = !arg.contains(['/', std::path::MAIN_SEPARATOR]) && !arg.ends_with(".toml");
    let embedded = if bare {
        crate::embedded::config(arg)
    } else {
        None
    };
    match (embedded, path.is_dir(), path.exists()) {
        (Some(_), false, true) => Err(ConfigError::NotFound(format!(
            "{arg}: names both a file in the working directory and the embedded config `{arg}`; write \
             `./{arg}` to run the file, or run from another directory (or rename the file) for the embedded \
             config"
        ))),
        (Some(_), _, _) => load_embedded_with(registry, arg, limits),
        (None, true, _) => Err(ConfigError::NotFound(format!(
            "{arg}: is a directory, not a config file; give a .toml file{}, or an embedded config: {}",
            if bare { "" } else { " inside it" },
            embedded_names().join(", ")
        ))),
        (None, false, true) => {
            let text = crate::config::read_file(path)?;
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "sweep".into());
            let src = SourceText {
                name: arg.to_string(),
                text,
                dir: Some(path.parent().map(Path::to_path_buf).unwrap_or_default()),
            };
            plan_with(registry, &src, &stem, limits)
        }
        (None, false, false) => {
            let known = embedded_names();
            let base = arg.strip_suffix(".toml").unwrap_or(arg);
            Err(ConfigError::NotFound(format!(
                "{arg}: no such file, and no embedded config of that name{}; embedded configs: {}",
                suggest::did_you_mean(base, &known),
                known.join(", ")
            )))
        }
    }
}

/// The names of the embedded configs.
fn embedded_names() -> Vec<&'static str> {
    crate::embedded::CONFIGS.iter().map(|(n, _)| *n).collect()
}

/// Plans the embedded config `name` (no file is looked at), names resolved in `registry`, the sweep within
/// `limits`.
pub fn load_embedded_with(
    registry: &Registry,
    name: &str,
    limits: Limits,
) -> Result<Plan, ConfigError> {
    let Some(text) = crate::embedded::config(name) else {
        let known = embedded_names();
        return Err(ConfigError::NotFound(format!(
            "no embedded config `{name}`{}; embedded configs: {}",
            suggest::did_you_mean(name, &known),
            known.join(", ")
        )));
    };
    let src = SourceText {
        name: format!("configs/{name}.toml (embedded)"),
        text: text.to_string(),
        dir: None,
    };
    plan_with(registry, &src, name, limits)
}

/// A problem table with the text it came from.
struct Located<'a> {
    registry: &'a Registry,
    src: &'a SourceText,
    table: &'a Spanned<RawTable>,
    suite: &'a str,
    /// The memory limit a problem's construction must stay within.
    limit: u64,
}

/// A problem instance found in a config, with the suite it came from and where: the text is borrowed, not
/// copied, so that a file of many instances is held once.
type Found<'a> = (Instance, &'a str, &'a SourceText, std::ops::Range<usize>);

fn located(
    src: &SourceText,
    table: &RawTable,
    whole: std::ops::Range<usize>,
    e: ParamError,
) -> ConfigError {
    let span = e
        .key
        .as_deref()
        .and_then(|k| span_of(table, k))
        .or(Some(whole));
    src.error(span, e.message)
}

fn string_key(
    src: &SourceText,
    table: &Spanned<RawTable>,
    key: &str,
    what: &str,
) -> Result<String, ConfigError> {
    match table.get_ref().iter().find(|(k, _)| k.get_ref() == key) {
        Some((_, v)) => match v.get_ref() {
            toml::Value::String(s) => Ok(s.clone()),
            other => Err(src.error(
                Some(v.span()),
                format!("`{key}` must be a string naming {what}, got {other}"),
            )),
        },
        None => Err(src.error(
            Some(table.span()),
            format!("this table has no `{key}` key; it must name {what}"),
        )),
    }
}

fn expand_located(
    src: &SourceText,
    table: &Spanned<RawTable>,
    skip: &str,
    whole: &[&str],
) -> Result<Vec<toml::Table>, ConfigError> {
    expand(table.get_ref(), &[skip], whole).map_err(|e| src.error(Some(e.span), e.message))
}

fn instances_of<'a>(loc: &Located<'a>, out: &mut Vec<Found<'a>>) -> Result<(), ConfigError> {
    let (src, table) = (loc.src, loc.table);
    let name = string_key(src, table, "family", "a problem family")?;
    if name == crate::problems::external::NAME {
        let whole = crate::problems::external::LISTS;
        for point in expand_located(src, table, "family", whole)? {
            let instance = Instance::parse_external(&point, src.dir.as_deref()).map_err(|e| {
                let e = ParamError {
                    message: format!("problem `{name}`: {}", e.message),
                    ..e
                };
                located(src, table.get_ref(), table.span(), e)
            })?;
            out.push((
                instance,
                loc.suite,
                src,
                span_of(table.get_ref(), "family").unwrap_or(table.span()),
            ));
        }
        return Ok(());
    }
    let Some(family) = loc.registry.family(&name) else {
        let known = loc.registry.family_names();
        return Err(src.error(
            span_of(table.get_ref(), "family"),
            format!(
                "unknown problem family \"{name}\"{}; known: {}",
                suggest::did_you_mean(&name, &known),
                known.join(", ")
            ),
        ));
    };
    for point in expand_located(src, table, "family", &[])? {
        let instance = Instance::parse(family, &point).map_err(|e| {
            let e = ParamError {
                message: format!("problem `{name}`: {}", e.message),
                ..e
            };
            located(src, table.get_ref(), table.span(), e)
        })?;
        let need = instance.memory().need;
        let limit = loc.limit;
        if need.total() > limit {
            return Err(src.error(
                span_of(table.get_ref(), "family"),
                format!(
                    "problem `{name}` {}: building it needs {} ({}), above the memory limit of {}; make it \
                     smaller or raise --memory-limit",
                    instance.params,
                    crate::memory::gib(need.total()),
                    need.parts(),
                    crate::memory::gib(limit)
                ),
            ));
        }
        out.push((
            instance,
            loc.suite,
            src,
            span_of(table.get_ref(), "family").unwrap_or(table.span()),
        ));
    }
    Ok(())
}

fn suite_text(src: &SourceText, name: &Spanned<String>) -> Result<SourceText, ConfigError> {
    let given = name.get_ref();
    if let Some(text) = crate::embedded::suite(given) {
        return Ok(SourceText {
            name: format!("problems/{given}.toml (embedded)"),
            text: text.to_string(),
            dir: None,
        });
    }
    let path: PathBuf = match &src.dir {
        Some(dir) if Path::new(given).is_relative() => dir.join(given),
        _ => PathBuf::from(given),
    };
    if given.ends_with(".toml") && path.exists() {
        let text = crate::config::read_file(&path)?;
        return Ok(SourceText {
            name: path.display().to_string(),
            text,
            dir: path.parent().map(Path::to_path_buf),
        });
    }
    let known: Vec<&str> = crate::embedded::SUITES.iter().map(|(n, _)| *n).collect();
    Err(src.error(
        Some(name.span()),
        format!(
            "unknown suite \"{given}\"{}: neither an embedded suite nor a .toml file; embedded suites: {}",
            suggest::did_you_mean(given, &known),
            known.join(", ")
        ),
    ))
}

/// An optimizer table's grid point, checked: name, optimizer, the span of its name and the point itself.
type FoundOptimizer = (String, Arc<Checked>, std::ops::Range<usize>, toml::Table);

fn optimizer_of(
    registry: &Registry,
    src: &SourceText,
    table: &Spanned<RawTable>,
    out: &mut Vec<FoundOptimizer>,
) -> Result<(), ConfigError> {
    let name = string_key(src, table, "name", "an optimizer")?;
    let Some(entry) = registry.optimizer(&name) else {
        let known = registry.optimizer_names();
        return Err(src.error(
            span_of(table.get_ref(), "name"),
            format!(
                "unknown optimizer \"{name}\"{}; known: {}",
                suggest::did_you_mean(&name, &known),
                known.join(", ")
            ),
        ));
    };
    let context = ParseContext {
        base_dir: src.dir.clone(),
    };
    for point in expand_located(src, table, "name", entry.lists)? {
        let checked = entry.parse_point(&point, &context).map_err(|e| {
            let e = ParamError {
                message: format!("optimizer `{name}`: {}", e.message),
                ..e
            };
            located(src, table.get_ref(), table.span(), e)
        })?;
        out.push((
            name.clone(),
            Arc::new(checked),
            span_of(table.get_ref(), "name").unwrap_or(table.span()),
            point,
        ));
    }
    Ok(())
}

/// A label names one optimizer: two optimizers under one label would read as one in tables and legends.
fn same_label_same_optimizer(
    src: &SourceText,
    optimizers: &[FoundOptimizer],
) -> Result<(), ConfigError> {
    let mut named: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, checked, span, _) in optimizers {
        let Some(label) = checked.params.get("label").and_then(|l| l.as_str()) else {
            continue;
        };
        match named.insert(label, name) {
            Some(other) if other != name => {
                return Err(src.error(
                    Some(span.clone()),
                    format!(
                        "`label` {label:?} is given to both `{other}` and `{name}`: a label names one optimizer, \
                         so that tables and legends cannot be misread"
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The config's `name`, checked, or the default (a file stem) with every other character made `-`.
fn config_name(
    src: &SourceText,
    name: Option<&Spanned<String>>,
    default: &str,
) -> Result<String, ConfigError> {
    match name {
        Some(n) if is_plain_name(n.get_ref()) => Ok(n.get_ref().clone()),
        Some(n) => Err(src.error(
            Some(n.span()),
            format!(
                "`name` must be a plain file name (letters, digits, `.`, `_`, `-`; not `.` or `..`; at most 100 \
                 characters), since results go to results/<name>; got {:?}",
                n.get_ref()
            ),
        )),
        None => {
            let plain: String = default
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' })
                .take(100)
                .collect();
            Ok(if is_plain_name(&plain) { plain } else { "sweep".into() })
        }
    }
}

/// A tolerance of the stop rule that needs a ground truth a problem may lack: its key, what it needs, and
/// whether an instance that knows `KnownOptimum` has it.
struct GroundTruth {
    key: &'static str,
    needs: &'static str,
    set: fn(&StopRule) -> bool,
    known: fn(KnownOptimum) -> bool,
}

/// `f_tol` needs `f*`, `x_rtol` needs `x*`.
const GROUND_TRUTH: [GroundTruth; 2] = [
    GroundTruth {
        key: "f_tol",
        needs: "the minimum value f*",
        set: |s| s.f_tol.is_some(),
        known: |k| k.value,
    },
    GroundTruth {
        key: "x_rtol",
        needs: "a minimiser x*",
        set: |s| s.x_rtol.is_some(),
        known: |k| k.point,
    },
];

/// Refuses a stop rule whose `f_tol` or `x_rtol` can never fire: on an instance that lacks what they need
/// while no other tolerance of the rule applies (its runs could only end at a budget, or fail), or on every
/// instance of the config (the key would mean nothing). What an instance knows is its family's declaration;
/// where a family declares nothing, one problem is built, for `seed`. An instance that cannot be built is
/// left to its runs, which record the failure. Returns how many problems were built.
fn stop_can_fire(
    raw_stop: Option<&Spanned<RawTable>>,
    src: &SourceText,
    stop: &StopRule,
    found: &[Found<'_>],
    seed: u64,
) -> Result<usize, ConfigError> {
    let set: Vec<&GroundTruth> = GROUND_TRUTH.iter().filter(|g| (g.set)(stop)).collect();
    let Some(raw_stop) = raw_stop else {
        return Ok(0);
    };
    if set.is_empty() {
        return Ok(0);
    }
    let mut built = 0;
    let key_span = |key: &str| span_of(raw_stop.get_ref(), key).or(Some(raw_stop.span()));
    let gradient = stop.grad_rtol.is_some() || stop.grad_atol.is_some();
    let mut applies = vec![false; set.len()];
    let mut all_known = true;
    for (inst, _, isrc, ispan) in found {
        built += usize::from(inst.declared_optimum().is_none());
        let Ok(known) = inst.known_optimum(seed) else {
            all_known = false;
            continue;
        };
        let fires: Vec<bool> = set.iter().map(|g| (g.known)(known)).collect();
        for (a, f) in applies.iter_mut().zip(&fires) {
            *a |= *f;
        }
        if gradient || fires.iter().any(|f| *f) {
            continue;
        }
        let keys: Vec<String> = set.iter().map(|g| format!("`{}`", g.key)).collect();
        let lacks: Vec<String> = set
            .iter()
            .map(|g| format!("{} needs {}", g.key, g.needs))
            .collect();
        return Err(src.error(
            key_span(set[0].key),
            format!(
                "[stop]: {} can never stop a run of `{}` {} ({}): {}, which this problem does not know, and \
                 the stop rule has no other tolerance that applies to it, so its runs could only end at the \
                 budget (max_iters = {}) or fail. Stop on the gradient instead: add `grad_rtol = 1e-6` \
                 (relative to the start) or `grad_atol`, which apply to every problem ({} may stay beside \
                 it for the problems that know what {} needs), or remove this problem",
                keys.join(" and "),
                inst.family,
                inst.params,
                isrc.locate(Some(ispan.clone())),
                lacks.join(", "),
                stop.max_iters,
                keys.join(" and "),
                if set.len() == 1 { "it" } else { "each" },
            ),
        ));
    }
    if let Some((g, _)) = set.iter().zip(&applies).find(|(_, a)| !**a)
        && all_known
        && let Some((inst, _, isrc, ispan)) = found.first()
    {
        return Err(src.error(
            key_span(g.key),
            format!(
                "[stop]: `{}` applies to no problem of this config: it needs {}, and none of them knows it \
                 (e.g. `{}` {} at {}); remove `{}`: the rule's other tolerances stop these problems",
                g.key,
                g.needs,
                inst.family,
                inst.params,
                isrc.locate(Some(ispan.clone())),
                g.key,
            ),
        ));
    }
    Ok(built)
}

/// [`plan_in`] the built-in registry.
pub fn plan(src: &SourceText, default_name: &str) -> Result<Plan, ConfigError> {
    plan_in(&Registry::builtin(), src, default_name)
}

/// [`plan_with`] the default [`Limits`].
pub fn plan_in(
    registry: &Registry,
    src: &SourceText,
    default_name: &str,
) -> Result<Plan, ConfigError> {
    plan_with(registry, src, default_name, Limits::default())
}

/// A suite of a config, read: its text, its tables and the name its instances are reported under.
struct Suite {
    text: SourceText,
    raw: RawSuite,
    name: String,
}

/// What a `[tune]` block adds to the run count, read loosely (the block itself is checked by
/// [`crate::tune::parse`]).
#[derive(Deserialize)]
struct TuneSize {
    tune: Option<TuneCounts>,
}

#[derive(Deserialize)]
struct TuneCounts {
    trials: Option<toml::Value>,
    seeds: Option<toml::Value>,
}

/// The runs a config's grids make, counted from their axes' lengths before anything is expanded (duplicates
/// not yet removed), with its factors as text for an error.
struct RunCount {
    runs: u64,
    /// Whether `runs` is a bound (with tuning: which optimizers are tuned is not yet known).
    at_most: bool,
    factors: String,
}

/// The keys of a problem table that take a list whole (an external problem's `command` and `files`).
fn problem_lists(table: &RawTable) -> &'static [&'static str] {
    let external = table.iter().any(|(k, v)| {
        k.get_ref() == "family" && v.get_ref().as_str() == Some(crate::problems::external::NAME)
    });
    if external {
        crate::problems::external::LISTS
    } else {
        &[]
    }
}

fn run_count(
    registry: &Registry,
    src: &SourceText,
    raw: &RawConfig,
    suites: &[Suite],
    seeds: u64,
) -> Result<RunCount, ConfigError> {
    let grid_error =
        |text: &SourceText, e: crate::config::grid::GridError| text.error(Some(e.span), e.message);
    let mut problems: u64 = 0;
    for suite in suites {
        for table in &suite.raw.problem {
            let n = count(table.get_ref(), &["family"], problem_lists(table.get_ref()))
                .map_err(|e| grid_error(&suite.text, e))?;
            problems = problems.saturating_add(n);
        }
    }
    for table in &raw.problem {
        let n = count(table.get_ref(), &["family"], problem_lists(table.get_ref()))
            .map_err(|e| grid_error(src, e))?;
        problems = problems.saturating_add(n);
    }
    let mut optimizers: u64 = 0;
    for table in &raw.optimizer {
        // The keys that take a list whole are the optimizer's; an unknown name is reported when it is read.
        let whole = match table.get_ref().iter().find(|(k, _)| k.get_ref() == "name") {
            Some((_, v)) => v
                .get_ref()
                .as_str()
                .and_then(|n| registry.optimizer(n))
                .map_or(&[][..], |entry| entry.lists),
            None => &[],
        };
        let n = count(table.get_ref(), &["name"], whole).map_err(|e| grid_error(src, e))?;
        optimizers = optimizers.saturating_add(n);
    }
    let pairs = problems.saturating_mul(optimizers);
    let mut runs = pairs.saturating_mul(seeds);
    let mut factors =
        format!("{problems} problem instances x {optimizers} optimizers x {seeds} seeds");
    let at_most = raw.tune.is_some();
    if at_most {
        // Every optimizer may be tuned, on every instance: trials x tuning seeds more runs per pair.
        let counts = toml::from_str::<TuneSize>(&src.text)
            .ok()
            .and_then(|t| t.tune);
        let trials = counts
            .as_ref()
            .and_then(|c| c.trials.as_ref()?.as_integer())
            .filter(|t| (1..=65536).contains(t))
            .map_or(crate::tune::parse::DEFAULT_TRIALS as u64, |t| t as u64);
        let tuning_seeds = counts
            .as_ref()
            .and_then(|c| c.seeds.as_ref()?.as_array().map(|a| a.len() as u64))
            .unwrap_or(seeds);
        runs = runs.saturating_add(pairs.saturating_mul(trials).saturating_mul(tuning_seeds));
        factors = format!(
            "{problems} problem instances x {optimizers} optimizers x ({seeds} seeds + {trials} tuning trials x \
             {tuning_seeds} tuning seeds)"
        );
    }
    Ok(RunCount {
        runs,
        at_most,
        factors,
    })
}

/// Parses and checks a config text into a plan, names resolved in `registry`; `default_name` is used when
/// the file sets no `name`. The sweep's run count is checked against `limits` before any grid is expanded.
pub fn plan_with(
    registry: &Registry,
    src: &SourceText,
    default_name: &str,
    limits: Limits,
) -> Result<Plan, ConfigError> {
    let raw: RawConfig = toml::from_str(&src.text).map_err(|e| src.toml_error(&e))?;
    let name = config_name(src, raw.name.as_ref(), default_name)?;

    let seeds: Vec<u64> = match &raw.seeds {
        None => vec![0],
        Some(s) if s.get_ref().is_empty() => {
            return Err(src.error(Some(s.span()), "empty grid: `seeds` = [] gives no runs"));
        }
        Some(s) => {
            if let Some((seed, first, repeat)) = repeated_seed(s.get_ref()) {
                let (line, column) = src.position(Some(first));
                return Err(src.error(
                    Some(repeat),
                    format!(
                        "`seeds` lists {seed} twice (first at line {line}, column {column}); a repeated seed \
                         would only repeat the same runs: list each seed once"
                    ),
                ));
            }
            s.get_ref().iter().map(|s| *s.get_ref()).collect()
        }
    };

    let stop = match &raw.stop {
        None => StopRule::default(),
        Some(t) => {
            let table: toml::Table = t
                .get_ref()
                .iter()
                .map(|(k, v)| (k.get_ref().clone(), v.get_ref().clone()))
                .collect();
            crate::params::from_table::<StopConfig>(&table, crate::stop::PARAMS)
                .and_then(|c| c.check())
                .map_err(|e| {
                    located(
                        src,
                        t.get_ref(),
                        t.span(),
                        ParamError {
                            message: format!("[stop]: {}", e.message),
                            ..e
                        },
                    )
                })?
        }
    };

    // Every suite is read (once: a suite named twice adds only duplicates) before anything is expanded.
    let mut suites: Vec<Suite> = Vec::new();
    let mut named = BTreeSet::new();
    for given in &raw.suites {
        if !named.insert(given.get_ref().as_str()) {
            continue;
        }
        let text = suite_text(src, given)?;
        let raw_suite: RawSuite = toml::from_str(&text.text).map_err(|e| text.toml_error(&e))?;
        let name = raw_suite
            .name
            .clone()
            .unwrap_or_else(|| given.get_ref().clone());
        suites.push(Suite {
            text,
            raw: raw_suite,
            name,
        });
    }

    let count = run_count(registry, src, &raw, &suites, seeds.len() as u64)?;
    if count.runs > limits.max_runs {
        return Err(src.error(
            None,
            format!(
                "this sweep makes {}{} runs ({}), above the limit of {} runs; nothing was expanded. Make the \
                 grids smaller, or raise the limit with --max-runs N where the machine holds them (about 2 KiB \
                 per planned run)",
                if count.at_most { "at most " } else { "" },
                count.runs,
                count.factors,
                limits.max_runs
            ),
        ));
    }

    let limit = crate::memory::limit();
    let mut found = Vec::new();
    for suite in &suites {
        for table in &suite.raw.problem {
            instances_of(
                &Located {
                    registry,
                    src: &suite.text,
                    table,
                    suite: &suite.name,
                    limit,
                },
                &mut found,
            )?;
        }
    }
    for table in &raw.problem {
        instances_of(
            &Located {
                registry,
                src,
                table,
                suite: INLINE_SUITE,
                limit,
            },
            &mut found,
        )?;
    }
    if found.is_empty() {
        return Err(src.error(
            None,
            "the config has no problems: add `suites = [...]` or `[[problem]]` tables",
        ));
    }

    let mut optimizers = Vec::new();
    for table in &raw.optimizer {
        optimizer_of(registry, src, table, &mut optimizers)?;
    }
    if optimizers.is_empty() {
        return Err(src.error(
            None,
            "the config has no optimizers: add an `[[optimizer]]` table with a `name`",
        ));
    }

    // Remove duplicate instances and optimizers (same canonical parameters), keeping the first.
    let mut seen = BTreeSet::new();
    found.retain(|(i, _, _, _)| seen.insert((i.family, i.params.to_string())));
    let mut seen = BTreeSet::new();
    optimizers.retain(|(n, c, _, _)| seen.insert((n.clone(), c.params.to_string())));
    same_label_same_optimizer(src, &optimizers)?;

    // A theory step needs known curvature. Where some problems of the sweep lack it, those pairings are
    // recorded as `not-applicable`; where none has it, the config cannot mean it, and it is an error.
    let any_curvature = found.iter().any(|(i, _, _, _)| i.capabilities().curvature);
    for (name, checked, span, _) in &optimizers {
        if checked.optimizer.requires().curvature && !any_curvature {
            let (inst, _, isrc, ispan) = &found[0];
            return Err(src.error(
                Some(span.clone()),
                format!(
                    "optimizer `{name}` with {} needs the problem's curvature bounds (mu, L), but no problem of this \
                     config has them (e.g. `{}` {} at {}); use a numeric step or \"armijo\"",
                    checked.params,
                    inst.family,
                    inst.params,
                    isrc.locate(Some(ispan.clone())),
                ),
            ));
        }
    }

    let built = stop_can_fire(raw.stop.as_ref(), src, &stop, &found, seeds[0])?;
    let placed: Vec<sharpness::Placed<'_>> = found
        .iter()
        .map(|(i, _, isrc, ispan)| (i, *isrc, ispan.clone()))
        .collect();
    let sharpness = sharpness::read(
        src,
        raw.sharpness.as_ref(),
        &placed,
        raw.tune.as_ref().map(|t| t.span()),
    )?;
    drop(placed);

    let with_suites: Vec<(Arc<Instance>, String)> = found
        .into_iter()
        .map(|(i, suite, _, _)| (Arc::new(i), suite.to_string()))
        .collect();
    let instances: Vec<Arc<Instance>> = with_suites.iter().map(|(i, _)| i.clone()).collect();
    let (tuning, trial_runs, tuned) = match &raw.tune {
        None => (None, Vec::new(), vec![false; optimizers.len()]),
        Some(t) => {
            let built = crate::tune::parse::build(crate::tune::parse::Inputs {
                registry,
                src,
                raw: t,
                optimizers: optimizers
                    .iter()
                    .map(
                        |(name, checked, span, point)| crate::tune::parse::OptimizerPoint {
                            name,
                            checked,
                            point,
                            span: span.clone(),
                        },
                    )
                    .collect(),
                instances: &with_suites,
                eval_seeds: &seeds,
                stop: &stop,
                diagnose: raw.diagnose,
            })?;
            (Some(Arc::new(built.plan)), built.trial_runs, built.tuned)
        }
    };
    let optimizers: Vec<(String, Arc<Checked>)> =
        optimizers.into_iter().map(|(n, c, _, _)| (n, c)).collect();
    let mut runs = Vec::new();
    for instance in &instances {
        for ((name, checked), _) in optimizers.iter().zip(&tuned).filter(|(_, t)| !**t) {
            for &seed in &seeds {
                runs.push(
                    PlannedRun::new(instance, name, checked, seed, &stop, None, raw.diagnose)
                        .with_sharpness(sharpness),
                );
            }
        }
    }
    runs.extend(trial_runs);
    let mut h = Sha256::new();
    for r in &runs {
        h.update(r.run_id.as_bytes());
        h.update([b'\n']);
    }
    let config_hash = h
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Plan {
        built,
        run_ids: runs.iter().map(|r| r.run_id.clone()).collect(),
        shard: None,
        tuning,
        name,
        source: src.name.clone(),
        config_hash,
        seeds,
        stop,
        instances,
        optimizers,
        runs,
    })
}
