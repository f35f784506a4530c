//! An experiment config read into a [`Plan`]: TOML -> raw file structs (with spans) -> every name resolved
//! and every value checked, before anything runs; [`execute`] runs a plan.
//!
//! An experiment config names suites (embedded, by name, or files, by path relative to the config), adds
//! inline `[[problem]]` tables, lists `[[optimizer]]` tables, `seeds` and a `[stop]` rule. A list value is a
//! grid axis, and lists named together in a table's `zip` are one axis (see [`crate::config::grid`]); the
//! sweep is the product of problem instances, optimizers and seeds. Every error names the
//! file, line, column and key, and suggests the nearest valid name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

pub mod execute;

use crate::config::grid::{RawTable, expand, span_of};
use crate::config::{ConfigError, SourceText, is_plain_name, suggest, unique_seeds};

use crate::optimizers::{Checked, ParseContext};
use crate::params::ParamError;
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
    seeds: Option<Spanned<Vec<u64>>>,
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

/// Reads a config from a path or, where no such file exists, by the name of an embedded config; names
/// resolve in `registry`.
pub fn load_in(registry: &Registry, arg: &str) -> Result<Plan, ConfigError> {
    let path = Path::new(arg);
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sweep".into());
        let src = SourceText {
            name: arg.to_string(),
            text,
            dir: Some(path.parent().map(Path::to_path_buf).unwrap_or_default()),
        };
        return plan_in(registry, &src, &stem);
    }
    if let Some(text) = crate::embedded::config(arg) {
        let src = SourceText {
            name: format!("configs/{arg}.toml (embedded)"),
            text: text.to_string(),
            dir: None,
        };
        return plan_in(registry, &src, arg);
    }
    let known: Vec<&str> = crate::embedded::CONFIGS.iter().map(|(n, _)| *n).collect();
    Err(ConfigError::NotFound(format!(
        "{arg}: no such file, and no embedded config of that name{}; embedded configs: {}",
        suggest::did_you_mean(arg, &known),
        known.join(", ")
    )))
}

/// A problem table with the text it came from.
struct Located<'a> {
    registry: &'a Registry,
    src: &'a SourceText,
    table: &'a Spanned<RawTable>,
    suite: &'a str,
}

/// A problem instance found in a config, with the suite it came from and where.
type Found = (Instance, String, (SourceText, std::ops::Range<usize>));

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

fn instances_of(loc: &Located<'_>, out: &mut Vec<Found>) -> Result<(), ConfigError> {
    let (src, table) = (loc.src, loc.table);
    let name = string_key(src, table, "family", "a problem family")?;
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
        let limit = crate::memory::limit();
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
            loc.suite.to_string(),
            (
                src.clone(),
                span_of(table.get_ref(), "family").unwrap_or(table.span()),
            ),
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
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
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
        let checked = (entry.parse)(&point, entry.params, &context).map_err(|e| {
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

/// [`plan_in`] the built-in registry.
pub fn plan(src: &SourceText, default_name: &str) -> Result<Plan, ConfigError> {
    plan_in(&Registry::builtin(), src, default_name)
}

/// Parses and checks a config text into a plan, names resolved in `registry`; `default_name` is used when
/// the file sets no `name`.
pub fn plan_in(
    registry: &Registry,
    src: &SourceText,
    default_name: &str,
) -> Result<Plan, ConfigError> {
    let raw: RawConfig = toml::from_str(&src.text).map_err(|e| src.toml_error(&e))?;
    let name = config_name(src, raw.name.as_ref(), default_name)?;

    let seeds = match &raw.seeds {
        None => vec![0],
        Some(s) if s.get_ref().is_empty() => {
            return Err(src.error(Some(s.span()), "empty grid: `seeds` = [] gives no runs"));
        }
        Some(s) => unique_seeds(s.get_ref()),
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

    let mut found = Vec::new();
    let suites: Vec<SourceText> = raw
        .suites
        .iter()
        .map(|s| suite_text(src, s))
        .collect::<Result<_, _>>()?;
    for (suite, given) in suites.iter().zip(&raw.suites) {
        let raw_suite: RawSuite = toml::from_str(&suite.text).map_err(|e| suite.toml_error(&e))?;
        let suite_name = raw_suite
            .name
            .clone()
            .unwrap_or_else(|| given.get_ref().clone());
        for table in &raw_suite.problem {
            instances_of(
                &Located {
                    registry,
                    src: suite,
                    table,
                    suite: &suite_name,
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
    found.retain(|(i, _, _)| seen.insert((i.family, i.params.to_string())));
    let mut seen = BTreeSet::new();
    optimizers.retain(|(n, c, _, _)| seen.insert((n.clone(), c.params.to_string())));

    // A theory step needs known curvature. Where some problems of the sweep lack it, those pairings are
    // recorded as `not-applicable`; where none has it, the config cannot mean it, and it is an error.
    for (name, checked, span, _) in &optimizers {
        if checked.optimizer.requires().curvature
            && found.iter().all(|(i, _, _)| !i.capabilities().curvature)
        {
            let (inst, _, (isrc, ispan)) = &found[0];
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

    let with_suites: Vec<(Arc<Instance>, String)> = found
        .into_iter()
        .map(|(i, suite, _)| (Arc::new(i), suite))
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
                runs.push(PlannedRun::new(
                    instance,
                    name,
                    checked,
                    seed,
                    &stop,
                    None,
                    raw.diagnose,
                ));
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
