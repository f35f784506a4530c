//! The memory of a [`Network`](super::Network)'s evaluations: every buffer of the forward, backward and
//! R-operator passes, sized once from the layer shapes, and the point whose pass the buffers hold.
//!
//! A workspace remembers how far the pass at its point got (`Stage`): a gradient after a value at the same
//! point only runs the backward pass, and a Hessian-vector product or K-FAC statistics after a gradient only
//! their own passes. Results do not depend on what is cached: every quantity is computed by the same code
//! whether it is fresh or reused, so they are bitwise identical either way.

use faer::Mat;

use crate::problem::LayerShape;

/// How far the pass at the workspace's point has been computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Stage {
    /// Nothing valid.
    Empty,
    /// Inputs, pre-activations, `tanh'`, probabilities and the value.
    Forward,
    /// Also the deltas `d_l` and `W_l' d_l`.
    Backward,
}

/// Buffers of the blocked dense Hessian: the R-operator pass for `directions` unit vectors at once, the
/// columns of direction `b` at `b N .. (b + 1) N` (`N` samples).
#[derive(Debug)]
pub(super) struct Block {
    /// The most directions a block holds.
    pub directions: usize,
    /// `R(a_{l-1})`, `d_{l-1} x (B N)`, per layer `l >= 1` (layer 0's is empty).
    pub r_in: Vec<Mat<f64>>,
    /// `R(s_l)`, `d_l x (B N)`.
    pub r_pre: Vec<Mat<f64>>,
    /// `R(d_l)`, `d_l x (B N)`.
    pub r_delta: Vec<Mat<f64>>,
    /// `W_l' R(d_l)` without the bias row, `d_{l-1} x (B N)`, per layer `l >= 1`.
    pub r_back: Vec<Mat<f64>>,
}

/// Every buffer of one network's evaluations (see the module documentation).
#[derive(Debug)]
pub(super) struct Workspace {
    /// The point the buffers describe (valid up to `stage`).
    pub x: Vec<f64>,
    /// How far the pass at `x` got.
    pub stage: Stage,
    /// `f(x)` (valid from `Stage::Forward`).
    pub value: f64,
    /// Per layer, its inputs `[a_{l-1}; 1]`, `inputs x N`; the data and the bias rows are written once.
    pub inputs: Vec<Mat<f64>>,
    /// Per layer, its pre-activations `s_l`, `outputs x N`.
    pub pre: Vec<Mat<f64>>,
    /// Per hidden layer, `tanh'(s_l) = 1 - a_l^2`, `outputs x N` (empty for the output layer).
    pub d1: Vec<Mat<f64>>,
    /// Softmax probabilities, `outputs x N` (empty for the squared loss).
    pub probs: Mat<f64>,
    /// Per layer, `d_l = dl/ds_l` per sample, `outputs x N`.
    pub deltas: Vec<Mat<f64>>,
    /// Per layer `l >= 1`, `W_l' d_l` without the bias row, `d_{l-1} x N` (before `tanh'`).
    pub back: Vec<Mat<f64>>,
    /// Hessian-vector product: `R(a_{l-1})` per layer `l >= 1`, `d_{l-1} x N`.
    pub r_in: Vec<Mat<f64>>,
    /// Hessian-vector product: `R(s_l)`, `outputs x N`.
    pub r_pre: Vec<Mat<f64>>,
    /// Hessian-vector product: `R(d_l)`, `outputs x N`.
    pub r_delta: Vec<Mat<f64>>,
    /// Hessian-vector product: `V_l' d_l + W_l' R(d_l)` without the bias row, per layer `l >= 1`.
    pub r_back: Vec<Mat<f64>>,
    /// The dense Hessian's buffers, allocated at its first evaluation.
    pub block: Option<Block>,
}

/// The width below layer `l` (`d_{l-1}`): its inputs without the bias.
pub(super) fn below(s: &LayerShape) -> usize {
    s.inputs - usize::from(s.bias)
}

impl Workspace {
    /// Buffers for `shapes` on the `N` columns of `data` (`d_0 x N`), with `outputs` probabilities when
    /// the loss is the softmax.
    pub fn new(shapes: &[LayerShape], data: &Mat<f64>, softmax: bool) -> Self {
        let mut ws = Workspace::with_samples(shapes, data.ncols(), softmax);
        let (rows, first) = (data.nrows(), &mut ws.inputs[0]);
        for j in 0..data.ncols() {
            first.col_as_slice_mut(j)[..rows].copy_from_slice(data.col_as_slice(j));
        }
        ws
    }

    /// Buffers for `shapes` on `n` samples whose data the caller writes into the first `d_0` rows of
    /// `inputs[0]` (zero until then; the bias rows are written here).
    pub fn with_samples(shapes: &[LayerShape], n: usize, softmax: bool) -> Self {
        let dim = shapes.last().map_or(0, |s| s.offset + s.outputs * s.inputs);
        let layers = shapes.len();
        let inputs = shapes
            .iter()
            .map(|s| {
                let width = below(s);
                Mat::from_fn(s.inputs, n, |i, _| if i == width { 1.0 } else { 0.0 })
            })
            .collect();
        let per_layer = |rows: &dyn Fn(&LayerShape) -> usize| -> Vec<Mat<f64>> {
            shapes.iter().map(|s| Mat::zeros(rows(s), n)).collect()
        };
        let lower = |rows: &dyn Fn(&LayerShape) -> usize| below_first(shapes, n, rows);
        let outputs = shapes.last().map_or(0, |s| s.outputs);
        Workspace {
            x: vec![0.0; dim],
            stage: Stage::Empty,
            value: f64::NAN,
            inputs,
            pre: per_layer(&|s| s.outputs),
            d1: shapes
                .iter()
                .enumerate()
                .map(|(l, s)| {
                    if l + 1 < layers {
                        Mat::zeros(s.outputs, n)
                    } else {
                        Mat::zeros(0, 0)
                    }
                })
                .collect(),
            probs: if softmax {
                Mat::zeros(outputs, n)
            } else {
                Mat::zeros(0, 0)
            },
            deltas: per_layer(&|s| s.outputs),
            back: lower(&below),
            r_in: lower(&below),
            r_pre: per_layer(&|s| s.outputs),
            r_delta: per_layer(&|s| s.outputs),
            r_back: lower(&below),
            block: None,
        }
    }

    /// The number of samples the buffers have columns for.
    pub fn samples(&self) -> usize {
        self.inputs.first().map_or(0, Mat::ncols)
    }

    /// Whether the buffers hold the pass at `x` up to `stage` (bitwise: `-0.0` and `0.0` differ).
    pub fn holds(&self, x: &[f64], stage: Stage) -> bool {
        self.stage >= stage
            && self.x.len() == x.len()
            && self
                .x
                .iter()
                .zip(x)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

impl Block {
    /// Buffers for blocks of up to `directions` directions of a network of `shapes` on `samples` samples.
    pub fn new(shapes: &[LayerShape], samples: usize, directions: usize) -> Self {
        let cols = directions * samples;
        let lower = |rows: &dyn Fn(&LayerShape) -> usize| below_first(shapes, cols, rows);
        Block {
            directions,
            r_in: lower(&below),
            r_pre: shapes.iter().map(|s| Mat::zeros(s.outputs, cols)).collect(),
            r_delta: shapes.iter().map(|s| Mat::zeros(s.outputs, cols)).collect(),
            r_back: lower(&below),
        }
    }
}

/// One buffer of `rows(layer)` x `cols` per layer but the first, which gets an empty one, as the passes
/// keep nothing for it.
fn below_first(
    shapes: &[LayerShape],
    cols: usize,
    rows: &dyn Fn(&LayerShape) -> usize,
) -> Vec<Mat<f64>> {
    shapes
        .iter()
        .enumerate()
        .map(|(l, s)| {
            if l == 0 {
                Mat::zeros(0, 0)
            } else {
                Mat::zeros(rows(s), cols)
            }
        })
        .collect()
}
