//! The stop rule for noisy runs: `f_tol_hold = W` ends a run at the end of its first stretch of `W`
//! iterations with `f - f* <= f_tol`, and records the stretch's first iteration as the steps to target.
//! Checked against the same run replayed step by step here, with the target found from its values.

use optzoo::config::SourceText;
use optzoo::oracle::Oracle;
use optzoo::plan::plan;
use optzoo::problem::stochastic::Sampler;
use optzoo::runner::execute;
use optzoo::stop::Status;

fn source(text: &str) -> SourceText {
    SourceText {
        name: "inline.toml".into(),
        text: text.into(),
        dir: None,
    }
}

#[test]
fn a_held_target_is_the_first_iteration_of_the_first_stretch_that_holds() {
    let (b, eta, tol, hold) = (1, 0.2, 0.3, 25u64);
    let p = plan(
        &source(&format!(
            "[[problem]]\nfamily = \"nqm\"\ndim = 30\nbatch_size = {b}\n\
             [stop]\nf_tol = {tol}\nf_tol_hold = {hold}\nmax_iters = 20000\n\
             [[optimizer]]\nname = \"gd\"\nstep = {eta}\n"
        )),
        "inline",
    )
    .expect("valid config");
    let run = &p.runs[0];
    let record = execute(run);
    assert_eq!(record.outcome.status, Status::Converged);
    let target = record
        .outcome
        .target_iteration
        .expect("recorded under f_tol_hold");

    // Replay: the same problem, start and minibatch stream, stepped here.
    let (problem, mut x) = run.instance.build(run.spec.seed).expect("builds");
    let sampler = Sampler::new(run.instance.rng(run.spec.seed, "minibatch"));
    let mut oracle = Oracle::new(problem.as_ref())
        .with_minibatches(b, sampler)
        .expect("nqm draws minibatches");
    let mut stepper = run
        .optimizer
        .optimizer
        .start(&x, &mut oracle)
        .expect("starts");
    let mut values = vec![problem.value(&x)];
    for _ in 0..record.outcome.iterations {
        stepper.step(&mut x, &mut oracle).expect("a step");
        values.push(problem.value(&x));
    }
    let first_passage = values.iter().position(|v| *v <= tol).expect("dips below");
    let held = (0..values.len())
        .find(|&k| {
            k + hold as usize <= values.len()
                && values[k..k + hold as usize].iter().all(|v| *v <= tol)
        })
        .expect("a stretch holds");
    assert_eq!(target, held as u64);
    assert_eq!(record.outcome.iterations, held as u64 + hold - 1);
    assert!(
        first_passage < held,
        "the loss dipped below the target ({first_passage}) before it stayed there ({held})"
    );
}

#[test]
fn a_hold_without_a_tolerance_is_refused_by_name() {
    let e = plan(
        &source(
            "[[problem]]\nfamily = \"nqm\"\ndim = 3\n[stop]\nf_tol_hold = 10\n\
             [[optimizer]]\nname = \"gd\"\nstep = 0.1\n",
        ),
        "inline",
    )
    .err()
    .expect("refused");
    let text = e.to_string();
    assert!(
        text.contains("f_tol_hold") && text.contains("give `f_tol` too"),
        "{text}"
    );
}
