//! `acme/sign-descent`: `x_{k+1} = x_k - lr_k sign(g(x_k))`, `lr_k = max(lr decay^k, floor)` (per
//! coordinate; a zero gradient component does not move).
//!
//! Its three keys are declared once, in [`SignDescentConfig`], with optzoo's `declare_params!`: the struct,
//! its defaults, its serialization and the lines `optzoo-plugin-example list optimizers` shows all come
//! from that declaration, and an unknown key is refused with the declared keys as the valid ones.

use optzoo::optimizer::{Optimizer, StepError, StepInfo};
use optzoo::optimizers::OptimizerConfig;
use optzoo::params::{ParamDoc, ParamError, in_range, positive};
use optzoo::problem::Capabilities;
use optzoo::theory::KappaSlope;
use optzoo::{Oracle, preconditioner};

/// The keys.
pub const PARAMS: &[ParamDoc] = SignDescentConfig::PARAMS;

optzoo::declare_params! {
    /// The parameters, with their defaults.
    #[derive(Debug, Clone, Copy)]
    pub struct SignDescentConfig {
        /// first step length > 0
        lr: f64 = 0.1,
        /// factor applied to the step length after each step, in (0, 1]
        decay: f64 = 0.9,
        /// smallest step length, in [0, lr]: the decay stops there
        floor: f64 = 0.0,
    }
}

impl OptimizerConfig for SignDescentConfig {
    type Checked = SignDescent;

    fn check(&self) -> Result<SignDescent, ParamError> {
        positive("lr", self.lr)?;
        in_range("decay", self.decay, f64::MIN_POSITIVE, 1.0)?;
        in_range("floor", self.floor, 0.0, self.lr)?;
        Ok(SignDescent { config: *self })
    }
}

/// Sign descent with checked parameters.
#[derive(Debug, Clone, Copy)]
pub struct SignDescent {
    /// The parameters.
    pub config: SignDescentConfig,
}

/// The memory of a run.
pub struct SignDescentState {
    grad: Vec<f64>,
    lr: f64,
}

impl Optimizer for SignDescent {
    type State = SignDescentState;

    fn requires(&self) -> Capabilities {
        Capabilities::default()
    }

    fn init(&self, x0: &[f64], _oracle: &mut Oracle) -> Result<SignDescentState, StepError> {
        Ok(SignDescentState {
            grad: vec![0.0; x0.len()],
            lr: self.config.lr,
        })
    }

    fn step(
        &self,
        s: &mut SignDescentState,
        x: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<StepInfo, StepError> {
        oracle.gradient(x, &mut s.grad);
        for (xi, gi) in x.iter_mut().zip(&s.grad) {
            if *gi != 0.0 {
                *xi -= s.lr * gi.signum();
            }
        }
        let taken = s.lr;
        s.lr = (s.lr * self.config.decay).max(self.config.floor);
        Ok(StepInfo {
            step_size: Some(taken),
        })
    }

    fn conditioner(&self) -> preconditioner::Conditioner {
        preconditioner::Conditioner::Fixed(preconditioner::Formed::new(
            "I",
            preconditioner::Preconditioner::Identity,
        ))
    }

    /// None: sign steps do not contract by a kappa-dependent rate.
    fn kappa_slope(&self) -> Option<KappaSlope> {
        None
    }
}
