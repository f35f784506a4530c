//! The `Optimizer` trait: immutable hyperparameters plus an explicit state (as optax's init/update).
//!
//! An optimizer takes one step at a time through the counting [`Oracle`]; the run loop
//! ([`crate::run_loop`]) owns the loop, the stop rule, timing and measurement. An optimizer stops a run only by returning a [`StepError`], which
//! becomes the run's recorded outcome.

use crate::memory::MemoryNeed;
use crate::oracle::Oracle;
pub use crate::oracle::StepError;
use crate::preconditioner::{Conditioner, Formed};
use crate::problem::Capabilities;
use crate::stop::Status;
use crate::theory::{Anatomy, EscapeTheory, KappaSlope, StabilityEdge};

/// The vectors of `n` numbers the memory pre-flight assumes for a method that states no [`Anatomy`]
/// (iterate copies, gradients, directions, moments).
pub const UNSTATED_VECTORS: u64 = 8;

/// What one step reports besides moving `x`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StepInfo {
    /// The step length taken along the search direction, where the method has one.
    pub step_size: Option<f64>,
}

/// An optimization method: hyperparameters are immutable (`&self`); all mutable memory lives in `State`.
pub trait Optimizer: Send + Sync {
    /// Per-run memory: iterates' history, buffers for gradients and directions.
    type State: Send;

    /// What the method needs from a problem beyond values and gradients.
    fn requires(&self) -> Capabilities;

    /// Prepares the state at the starting point `x0`.
    fn init(&self, x0: &[f64], oracle: &mut Oracle) -> Result<Self::State, StepError>;

    /// One iteration: may call the oracle several times (a line search); updates `x` in place.
    fn step(
        &self,
        state: &mut Self::State,
        x: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<StepInfo, StepError>;

    /// How this configuration's preconditioner comes about (see [`Conditioner`]); by default none is formed.
    fn conditioner(&self) -> Conditioner {
        Conditioner::None
    }

    /// The preconditioner formed from `state`, for a [`Conditioner::Learned`] method; `None` while the
    /// state holds none yet.
    fn preconditioner(&self, state: &Self::State) -> Option<Formed> {
        let _ = state;
        None
    }

    /// The theory slope of iterations against kappa for this configuration, where theory gives one.
    fn kappa_slope(&self) -> Option<KappaSlope> {
        None
    }

    /// The linear theory of this configuration's escape from a strict saddle, where there is one.
    fn escape(&self) -> Option<EscapeTheory> {
        None
    }

    /// The sharpness above which this configuration's fixed step is unstable on a quadratic, where it has
    /// one (see [`StabilityEdge`]).
    fn stability_edge(&self) -> Option<StabilityEdge> {
        None
    }

    /// The curvature this configuration keeps and the memory it holds for it ([`Anatomy`]), stated once:
    /// the memory pre-flight ([`DynOptimizer::memory`]) and the museum table's formula are both derived
    /// from it. `None` (a method that does not state it): the pre-flight assumes [`UNSTATED_VECTORS`]
    /// vectors of `n` numbers.
    fn anatomy(&self) -> Option<Anatomy> {
        None
    }

    /// Called once when the runner has ended the run with `status` (an external client is told to stop and
    /// reaped). Built-in optimizers have nothing to do.
    fn finish(&self, state: &mut Self::State, status: Status) {
        let _ = (state, status);
    }
}

/// A running optimizer (its hyperparameters and its state): the object-safe face the runner drives.
pub trait Stepper {
    /// One iteration, as [`Optimizer::step`].
    fn step(&mut self, x: &mut [f64], oracle: &mut Oracle) -> Result<StepInfo, StepError>;

    /// Told once, when the runner has ended the run with `status`, before the stepper is dropped (an
    /// external client is told to stop). Built-in optimizers have nothing to do.
    fn finish(&mut self, status: Status) {
        let _ = status;
    }

    /// The preconditioner formed from the state so far, as [`Optimizer::preconditioner`].
    fn preconditioner(&self) -> Option<Formed> {
        None
    }
}

/// An optimizer behind `dyn`, as the registry hands it out.
pub trait DynOptimizer: Send + Sync {
    /// As [`Optimizer::requires`].
    fn requires(&self) -> Capabilities;

    /// Initialises a state at `x0` and returns the running optimizer.
    fn start<'a>(
        &'a self,
        x0: &[f64],
        oracle: &mut Oracle,
    ) -> Result<Box<dyn Stepper + 'a>, StepError>;

    /// As [`Optimizer::conditioner`].
    fn conditioner(&self) -> Conditioner;

    /// As [`Optimizer::kappa_slope`].
    fn kappa_slope(&self) -> Option<KappaSlope>;

    /// As [`Optimizer::escape`].
    fn escape(&self) -> Option<EscapeTheory>;

    /// As [`Optimizer::stability_edge`].
    fn stability_edge(&self) -> Option<StabilityEdge>;

    /// What a run of this configuration allocates on a problem of dimension `n` (see [`crate::memory`]):
    /// the bytes of its [`Anatomy`]'s footprint at `n`, or [`UNSTATED_VECTORS`] vectors of `n` numbers
    /// where it states none.
    fn memory(&self, n: usize) -> MemoryNeed {
        match self.anatomy() {
            Some(a) => a.memory.need(n),
            None => MemoryNeed::vectors(UNSTATED_VECTORS, n),
        }
    }

    /// As [`Optimizer::anatomy`].
    fn anatomy(&self) -> Option<Anatomy>;
}

struct Running<'a, O: Optimizer> {
    optimizer: &'a O,
    state: O::State,
}

impl<O: Optimizer> Stepper for Running<'_, O> {
    fn step(&mut self, x: &mut [f64], oracle: &mut Oracle) -> Result<StepInfo, StepError> {
        self.optimizer.step(&mut self.state, x, oracle)
    }

    fn preconditioner(&self) -> Option<Formed> {
        self.optimizer.preconditioner(&self.state)
    }

    fn finish(&mut self, status: Status) {
        self.optimizer.finish(&mut self.state, status);
    }
}

impl<O: Optimizer> DynOptimizer for O {
    fn requires(&self) -> Capabilities {
        Optimizer::requires(self)
    }

    fn start<'a>(
        &'a self,
        x0: &[f64],
        oracle: &mut Oracle,
    ) -> Result<Box<dyn Stepper + 'a>, StepError> {
        let state = self.init(x0, oracle)?;
        Ok(Box::new(Running {
            optimizer: self,
            state,
        }))
    }

    fn conditioner(&self) -> Conditioner {
        Optimizer::conditioner(self)
    }

    fn kappa_slope(&self) -> Option<KappaSlope> {
        Optimizer::kappa_slope(self)
    }

    fn escape(&self) -> Option<EscapeTheory> {
        Optimizer::escape(self)
    }

    fn stability_edge(&self) -> Option<StabilityEdge> {
        Optimizer::stability_edge(self)
    }

    fn anatomy(&self) -> Option<Anatomy> {
        Optimizer::anatomy(self)
    }
}
