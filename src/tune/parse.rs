//! The `[tune]` block of a config: read with spans, checked, and turned into groups of trial runs.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::space::{self, Axis, Method, Scale};
use super::{Group, Per, Phase, Rule, Trial, TuningPlan, TuningRole};
use crate::config::grid::RawTable;
use crate::config::{ConfigError, SourceText, suggest};
use crate::optimizers::Checked;
use crate::problems::Instance;
use crate::registry::Registry;
use crate::runner::PlannedRun;
use crate::stop::StopRule;

/// The `[tune]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTune {
    method: Option<Spanned<String>>,
    trials: Option<Spanned<i64>>,
    per: Option<Spanned<String>>,
    select: Option<Spanned<String>>,
    seeds: Option<Spanned<Vec<u64>>>,
    #[serde(default)]
    space: BTreeMap<Spanned<String>, Spanned<RawTable>>,
}

/// The default budget of trials per optimizer and group.
pub const DEFAULT_TRIALS: usize = 16;

/// The offset of the default tuning seeds from the evaluation seeds.
pub const DEFAULT_SEED_OFFSET: u64 = 1_000_000;

/// One optimizer table of the config, as the tuning needs it.
pub struct OptimizerPoint<'a> {
    /// The registry name.
    pub name: &'a str,
    /// The checked optimizer (untuned settings).
    pub checked: &'a Arc<Checked>,
    /// The grid point of its `[[optimizer]]` table (without `name`).
    pub point: &'a toml::Table,
    /// The span of its `name`.
    pub span: Range<usize>,
}

fn choice<T: Copy>(
    src: &SourceText,
    value: &Option<Spanned<String>>,
    key: &str,
    options: &[(&str, T)],
    default: T,
) -> Result<T, ConfigError> {
    let Some(v) = value else {
        return Ok(default);
    };
    options
        .iter()
        .find(|(n, _)| *n == v.get_ref())
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            src.error(
                Some(v.span()),
                format!(
                    "[tune] `{key}` must be one of {}, got \"{}\"",
                    names
                        .iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(", "),
                    v.get_ref()
                ),
            )
        })
}

fn axis_of(
    src: &SourceText,
    key: &Spanned<String>,
    value: &Spanned<toml::Value>,
) -> Result<Axis, ConfigError> {
    let bad = |msg: String| src.error(Some(value.span()), msg);
    let expected = format!(
        "`{}` must be a range {{ log = [lo, hi] }} or {{ linear = [lo, hi] }}",
        key.get_ref()
    );
    let toml::Value::Table(t) = value.get_ref() else {
        return Err(bad(format!("{expected}, got {}", value.get_ref())));
    };
    let (scale, bounds) = match (t.get("log"), t.get("linear"), t.len()) {
        (Some(b), None, 1) => (Scale::Log, b),
        (None, Some(b), 1) => (Scale::Linear, b),
        _ => return Err(bad(format!("{expected}, got {}", value.get_ref()))),
    };
    let number = |v: &toml::Value| match v {
        toml::Value::Float(x) => Some(*x),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    };
    let pair = match bounds {
        toml::Value::Array(a) if a.len() == 2 => number(&a[0]).zip(number(&a[1])),
        _ => None,
    };
    let Some((lo, hi)) = pair else {
        return Err(bad(format!("{expected}, got {}", value.get_ref())));
    };
    let axis = Axis {
        key: key.get_ref().clone(),
        scale,
        lo,
        hi,
    };
    axis.check().map_err(bad)?;
    Ok(axis)
}

fn tuned_table(axes: &[Axis], values: &[f64]) -> toml::Table {
    axes.iter()
        .zip(values)
        .map(|(a, v)| (a.key.clone(), toml::Value::Float(*v)))
        .collect()
}

/// The entries of a `[tune.space.NAME]` table, a key inside a nested table written as its dotted path: an
/// external optimizer's client parameter `lr` is tuned as `params.lr = { log = [...] }` (TOML reads that as
/// `params = { lr = ... }`). A table with `log` or `linear` is a range, not a nesting.
fn dotted(table: &RawTable) -> Vec<(Spanned<String>, Spanned<toml::Value>)> {
    fn walk(
        prefix: &str,
        value: &toml::Value,
        span: &std::ops::Range<usize>,
        out: &mut Vec<(Spanned<String>, Spanned<toml::Value>)>,
    ) {
        match value {
            toml::Value::Table(t) if !(t.contains_key("log") || t.contains_key("linear")) => {
                for (k, v) in t {
                    walk(&format!("{prefix}.{k}"), v, span, out);
                }
            }
            _ => out.push((
                Spanned::new(span.clone(), prefix.to_string()),
                Spanned::new(span.clone(), value.clone()),
            )),
        }
    }
    let mut out = Vec::new();
    for (key, value) in table {
        match value.get_ref() {
            toml::Value::Table(_) => walk(key.get_ref(), value.get_ref(), &value.span(), &mut out),
            _ => out.push((key.clone(), value.clone())),
        }
    }
    out
}

/// The value at a dotted path of a table (`params.lr`), if any.
fn get_path<'t>(table: &'t toml::Table, path: &str) -> Option<&'t toml::Value> {
    let mut parts = path.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

/// Sets the value at a dotted path of a table, making the nested tables it needs.
fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) {
    match path.split_once('.') {
        None => {
            table.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let inner = table
                .entry(head.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !inner.is_table() {
                *inner = toml::Value::Table(toml::Table::new());
            }
            if let toml::Value::Table(t) = inner {
                set_path(t, rest, value);
            }
        }
    }
}

/// Everything `plan` needs to build a tuning.
pub struct Inputs<'a> {
    /// The config text.
    pub src: &'a SourceText,
    /// The `[tune]` table.
    pub raw: &'a Spanned<RawTune>,
    /// Where optimizer names resolve.
    pub registry: &'a Registry,
    /// The optimizer tables, in order.
    pub optimizers: Vec<OptimizerPoint<'a>>,
    /// The instances with the suite each came from, in order.
    pub instances: &'a [(Arc<Instance>, String)],
    /// The evaluation seeds.
    pub eval_seeds: &'a [u64],
    /// The stop rule.
    pub stop: &'a StopRule,
    /// Whether runs diagnose their final point.
    pub diagnose: bool,
}

/// A checked tuning: the plan, its trial runs in order, and which optimizers are tuned.
pub struct Built {
    /// The groups and settings.
    pub plan: TuningPlan,
    /// Every trial run, group by group.
    pub trial_runs: Vec<PlannedRun>,
    /// For each optimizer table, whether it is tuned.
    pub tuned: Vec<bool>,
}

/// Checks the `[tune]` block against the config's optimizers and builds its groups and trial runs.
pub fn build(inputs: Inputs<'_>) -> Result<Built, ConfigError> {
    let Inputs {
        registry,
        src,
        raw,
        optimizers,
        instances,
        eval_seeds,
        stop,
        diagnose,
    } = inputs;
    let tune = raw.get_ref();
    let method = choice(
        src,
        &tune.method,
        "method",
        &[("grid", Method::Grid), ("sobol", Method::Sobol)],
        Method::Grid,
    )?;
    let per = choice(
        src,
        &tune.per,
        "per",
        &[("suite", Per::Suite), ("instance", Per::Instance)],
        Per::Suite,
    )?;
    let rule = choice(
        src,
        &tune.select,
        "select",
        &[
            ("final-gap", Rule::FinalGap),
            ("evals-to-target", Rule::EvalsToTarget),
        ],
        Rule::FinalGap,
    )?;
    let trials = match &tune.trials {
        None => DEFAULT_TRIALS,
        Some(t) if (1..=65536).contains(t.get_ref()) => *t.get_ref() as usize,
        Some(t) => {
            return Err(src.error(
                Some(t.span()),
                format!(
                    "[tune] `trials` is the budget per optimizer and group: an integer in 1..=65536, got {}",
                    t.get_ref()
                ),
            ));
        }
    };
    let seeds: Vec<u64> = match &tune.seeds {
        None => eval_seeds
            .iter()
            .map(|s| s.wrapping_add(DEFAULT_SEED_OFFSET))
            .collect(),
        Some(s) if s.get_ref().is_empty() => {
            return Err(src.error(Some(s.span()), "[tune] `seeds` = [] gives no tuning runs"));
        }
        Some(s) => crate::config::unique_seeds(s.get_ref()),
    };
    let shared: Vec<u64> = seeds
        .iter()
        .copied()
        .filter(|s| eval_seeds.contains(s))
        .collect();
    if !shared.is_empty() {
        return Err(src.error(
            tune.seeds.as_ref().map(|s| s.span()).or(Some(raw.span())),
            format!(
                "[tune] `seeds` must be disjoint from the evaluation `seeds`, so that results are not reported on \
                 the seeds they were tuned on; both hold {shared:?}"
            ),
        ));
    }
    if tune.space.is_empty() {
        return Err(src.error(
            Some(raw.span()),
            "[tune] has no `[tune.space.NAME]` table: name the hyperparameters to tune, e.g. \
             `[tune.space.gd]` with `step = { log = [1e-3, 1.0] }`",
        ));
    }

    // The spaces: every one must name an optimizer of the config, and only its keys.
    let mut spaces: BTreeMap<String, (Vec<Axis>, Range<usize>)> = BTreeMap::new();
    let names: Vec<&str> = optimizers.iter().map(|o| o.name).collect();
    for (name, table) in &tune.space {
        let Some(entry) = registry.optimizer(name.get_ref()) else {
            let known = registry.optimizer_names();
            return Err(src.error(
                Some(name.span()),
                format!(
                    "[tune.space.{0}]: unknown optimizer \"{0}\"{1}",
                    name.get_ref(),
                    suggest::did_you_mean(name.get_ref(), &known)
                ),
            ));
        };
        if !names.contains(&name.get_ref().as_str()) {
            return Err(src.error(
                Some(name.span()),
                format!(
                    "[tune.space.{0}]: the config has no `[[optimizer]]` named \"{0}\" to tune; its optimizers: {1}",
                    name.get_ref(),
                    names.join(", ")
                ),
            ));
        }
        let mut axes = Vec::new();
        for (key, value) in dotted(table.get_ref()) {
            let top = key.get_ref().split('.').next().unwrap_or_default();
            if !entry.params.iter().any(|p| p.name == top) {
                let known: Vec<&str> = entry.params.iter().map(|p| p.name).collect();
                return Err(src.error(
                    Some(key.span()),
                    format!(
                        "[tune.space.{}]: `{}` is not a key of this optimizer{}; its keys: {}",
                        name.get_ref(),
                        key.get_ref(),
                        suggest::did_you_mean(key.get_ref(), &known),
                        known.join(", ")
                    ),
                ));
            }
            axes.push(axis_of(src, &key, &value)?);
        }
        if axes.is_empty() {
            return Err(src.error(
                Some(table.span()),
                format!("[tune.space.{}] names no hyperparameter", name.get_ref()),
            ));
        }
        space::points(method, trials, &axes).map_err(|e| {
            src.error(
                Some(table.span()),
                format!("[tune.space.{}]: {e}", name.get_ref()),
            )
        })?;
        spaces.insert(name.get_ref().clone(), (axes, table.span()));
    }

    // Groups of instances.
    let mut by_group: Vec<(String, Vec<Arc<Instance>>)> = Vec::new();
    for (instance, suite) in instances {
        let label = match per {
            Per::Suite => format!("suite {suite}"),
            Per::Instance => format!("instance {} {}", instance.family, instance.params),
        };
        match by_group.iter_mut().find(|(l, _)| *l == label) {
            Some((_, members)) => members.push(instance.clone()),
            None => by_group.push((label, vec![instance.clone()])),
        }
    }

    let mut groups = Vec::new();
    let mut trial_runs = Vec::new();
    let mut tuned = Vec::new();
    for opt in &optimizers {
        let Some((axes, space_span)) = spaces.get(opt.name) else {
            tuned.push(false);
            continue;
        };
        tuned.push(true);
        if let Some(a) = axes.iter().find(|a| get_path(opt.point, &a.key).is_some()) {
            return Err(src.error(
                Some(opt.span.clone()),
                format!(
                    "optimizer `{}` fixes `{}`, which [tune.space.{}] tunes: remove one of the two",
                    opt.name, a.key, opt.name
                ),
            ));
        }
        let entry = registry.optimizer(opt.name).ok_or_else(|| {
            src.error(
                Some(opt.span.clone()),
                format!("unknown optimizer {}", opt.name),
            )
        })?;
        let values = space::points(method, trials, axes)
            .map_err(|e| src.error(Some(space_span.clone()), e))?;
        let mut trial_list = Vec::new();
        for v in &values {
            let tuned_values = tuned_table(axes, v);
            let mut table = opt.point.clone();
            for (k, v) in &tuned_values {
                set_path(&mut table, k, v.clone());
            }
            let checked = entry
                .parse_point(
                    &table,
                    &crate::optimizers::ParseContext {
                        base_dir: src.dir.clone(),
                    },
                )
                .map_err(|e| {
                    src.error(
                        Some(space_span.clone()),
                        format!(
                            "[tune.space.{}]: the trial {} is not a valid `{}`: {}",
                            opt.name,
                            serde_json::to_string(&tuned_values).unwrap_or_default(),
                            opt.name,
                            e.message
                        ),
                    )
                })?;
            trial_list.push(Trial {
                tuned: serde_json::to_value(&tuned_values).unwrap_or_default(),
                optimizer: Arc::new(checked),
            });
        }
        for (label, members) in &by_group {
            let mut ids = Vec::new();
            for (t, trial) in trial_list.iter().enumerate() {
                let mut these = Vec::new();
                for instance in members {
                    for &seed in &seeds {
                        let run = PlannedRun::new(
                            instance,
                            opt.name,
                            &trial.optimizer,
                            seed,
                            stop,
                            Some(TuningRole {
                                phase: Phase::Trial,
                                group: label.clone(),
                                trial: t,
                                tuned: trial.tuned.clone(),
                                rule,
                                cost: None,
                            }),
                            diagnose,
                        );
                        these.push(run.run_id.clone());
                        trial_runs.push(run);
                    }
                }
                ids.push(these);
            }
            groups.push(Group {
                label: label.clone(),
                optimizer: opt.name.to_string(),
                instances: members.clone(),
                axes: axes.clone(),
                trials: trial_list
                    .iter()
                    .map(|t| Trial {
                        tuned: t.tuned.clone(),
                        optimizer: t.optimizer.clone(),
                    })
                    .collect(),
                trial_runs: ids,
            });
        }
    }
    Ok(Built {
        plan: TuningPlan {
            method,
            trials,
            per,
            rule,
            seeds,
            eval_seeds: eval_seeds.to_vec(),
            groups,
            diagnose,
        },
        trial_runs,
        tuned,
    })
}
