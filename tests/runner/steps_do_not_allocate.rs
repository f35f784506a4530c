//! Every optimizer allocates its buffers in `init`: a step that succeeds allocates nothing. Checked with a
//! counting global allocator (per thread, so the test harness's own threads do not interfere), on problems
//! whose own evaluations allocate nothing (a diagonal quadratic, chained Rosenbrock, and the layered models,
//! whose buffers are allocated at their first evaluation). Minibatch evaluations of the finite sums likewise
//! allocate nothing after the first of their size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use optzoo::Oracle;
use optzoo::optimizers::OPTIMIZERS;
use optzoo::problems::{Instance, family};

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the slot may be gone while the thread shuts down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> u64 {
    ALLOCATIONS.with(|c| c.get())
}

struct Counting;

// SAFETY: every call is forwarded unchanged to the system allocator; counting touches no heap memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract for `alloc` is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Every registered optimizer with its defaults, plus the modes and variants whose steps differ. An optimizer
/// with required keys (the external client) is left out: its step is a conversation with another process,
/// whose cost is the pipe's (`benches/external.rs`), not the allocator's.
fn settings() -> Vec<(&'static str, &'static str)> {
    let mut s: Vec<(&str, &str)> = OPTIMIZERS
        .iter()
        .filter(|o| !o.needs_settings())
        .map(|o| (o.name, ""))
        .collect();
    s.extend([
        ("gd", "step = \"2/(L+mu)\""),
        ("momentum", "variant = \"nesterov\""),
        (
            "momentum",
            "variant = \"nesterov\"\nstep = 1e-4\nbeta = \"schedule\"",
        ),
        ("newton", "mode = \"pure\""),
        ("newton", "mode = \"damped\""),
        ("newton", "mode = \"saddle-free\""),
        ("adam", "weight_decay = 0.01"),
    ]);
    s
}

#[test]
fn successful_steps_allocate_nothing() {
    let problems = [
        (
            "quadratic",
            "dim = 20\nkappa = 100\nspectrum = \"log-uniform\"",
        ),
        ("rosenbrock", "dim = 10"),
        ("mlp", "widths = [3, 5, 4, 2]\nsamples = 16"),
        ("softmax", "classes = 3\nin_dim = 4\nsamples = 20"),
        ("nqm", "dim = 20"),
    ];
    let mut checked_steps = 0;
    for (fam, params) in problems {
        let table: toml::Table = toml::from_str(params).expect("valid TOML");
        let instance =
            Instance::parse(family(fam).expect("registered"), &table).expect("valid instance");
        let (problem, x0) = instance.build(0).expect("builds");
        for (name, keys) in settings() {
            let entry = OPTIMIZERS
                .iter()
                .find(|o| o.name == name)
                .expect("registered");
            let table: toml::Table = toml::from_str(keys).expect("valid TOML");
            let checked =
                (entry.parse)(&table, entry.params, &Default::default()).expect("valid settings");
            if !instance
                .capabilities()
                .missing(&checked.optimizer.requires())
                .is_empty()
            {
                continue;
            }
            // Matrix kernels keep per-thread scratch that they allocate on first use (gemm's thread-local
            // L2 slab): a first, uncounted run warms it, then a fresh run from `init` is counted.
            for counted in [false, true] {
                let mut oracle = Oracle::new(problem.as_ref());
                let mut x = x0.clone();
                // A method whose need the capabilities cannot state (exact mode needs the NQM's noise
                // model) says so at its start.
                let mut stepper = match checked.optimizer.start(&x, &mut oracle) {
                    Ok(stepper) => stepper,
                    Err(optzoo::oracle::StepError::NotApplicable(_)) if fam != "nqm" => break,
                    Err(e) => panic!("{name} [{keys}] on {fam}: init failed: {e}"),
                };
                for k in 0..30 {
                    let before = allocations();
                    let stepped = stepper.step(&mut x, &mut oracle);
                    let during = allocations() - before;
                    // A failed step (e.g. a line search at a point where g = 0) ends the run and may
                    // format its message: only successful steps are held to zero.
                    if stepped.is_err() {
                        break;
                    }
                    if counted {
                        assert_eq!(
                            during, 0,
                            "{name} [{keys}] on {fam}: step {k} allocated {during} times"
                        );
                        checked_steps += 1;
                    }
                }
            }
        }
    }
    assert!(checked_steps > 400, "{checked_steps} steps checked");
}

#[test]
fn layered_evaluations_allocate_nothing_after_the_first() {
    use optzoo::problem::{KfacFactors, LayerStats};
    for (fam, params) in [
        ("mlp", "widths = [4, 8, 6, 3]\nsamples = 32"),
        ("softmax", "classes = 4\nin_dim = 5\nsamples = 40"),
        ("least-squares", "in_dim = 5\nout_dim = 3\nsamples = 30"),
    ] {
        let table: toml::Table = toml::from_str(params).expect("valid TOML");
        let instance =
            Instance::parse(family(fam).expect("registered"), &table).expect("valid instance");
        let (problem, x0) = instance.build(0).expect("builds");
        let n = problem.dim();
        let so = problem.second_order().expect("second order");
        let layered = problem.layered().expect("layered");
        let (mut g, mut hv) = (vec![0.0; n], vec![0.0; n]);
        let mut h = faer::Mat::<f64>::zeros(n, n);
        let mut factors = KfacFactors::new(layered);
        let mut stats = LayerStats::new(layered);
        let x1: Vec<f64> = x0.iter().map(|v| v + 0.01).collect();
        // Every kind of call on two points, so that nothing is served from the cached pass alone.
        let mut round = || {
            for x in [&x0, &x1] {
                std::hint::black_box(problem.value(x));
                problem.gradient(x, &mut g);
                so.hvp(x, &x1, &mut hv);
            }
            for x in [&x0, &x1] {
                so.hvp(x, &x0, &mut hv);
                so.hessian(x, &mut h);
                layered.statistics(x, &mut stats);
                factors.compute(layered, x);
                std::hint::black_box(problem.value_and_gradient(x, &mut g));
            }
        };
        round();
        let before = allocations();
        round();
        let during = allocations() - before;
        assert_eq!(during, 0, "{fam}: {during} allocations after warm-up");
    }
}

#[test]
fn minibatches_allocate_nothing_after_the_first_of_their_size() {
    use optzoo::problem::stochastic::Sampler;
    for (fam, params, samples, batch) in [
        ("mlp", "widths = [4, 8, 6, 3]\nsamples = 32", 32, 8),
        ("softmax", "classes = 4\nin_dim = 5\nsamples = 40", 40, 10),
        (
            "least-squares",
            "in_dim = 5\nout_dim = 3\nsamples = 30",
            30,
            6,
        ),
        ("deep-linear", "depth = 3\nsamples = 24", 24, 6),
    ] {
        let table: toml::Table = toml::from_str(params).expect("valid TOML");
        let instance =
            Instance::parse(family(fam).expect("registered"), &table).expect("valid instance");
        let (problem, x) = instance.build(0).expect("builds");
        let stochastic = problem.stochastic().expect("a finite sum");
        let mut g = vec![0.0; problem.dim()];
        let mut sampler = Sampler::new(instance.rng(0, "minibatch"));
        for _ in 0..2 {
            stochastic.sample_value_and_gradient(&x, batch, &mut sampler, &mut g);
        }
        // What the same draws allocate without an evaluation: the adapter from `Stochastic` to
        // `FiniteSum` may copy the indices; the problem's own evaluation must add nothing.
        let mut reference = sampler.clone();
        let before = allocations();
        for _ in 0..10 {
            std::hint::black_box(reference.batch(samples, batch).to_vec());
        }
        let drawing = allocations() - before;
        let before = allocations();
        for _ in 0..10 {
            stochastic.sample_value_and_gradient(&x, batch, &mut sampler, &mut g);
        }
        let during = allocations() - before;
        assert!(
            during <= drawing,
            "{fam}: {during} allocations in 10 minibatches, {drawing} of them drawing indices"
        );
    }
}
