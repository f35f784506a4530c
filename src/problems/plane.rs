//! Second derivatives of a function of two variables from the three distinct entries `[h_xx, h_xy, h_yy]` of
//! its symmetric Hessian: shared by the 2-D families.

use faer::Mat;

/// `out <- H v` for the 2x2 symmetric `H` with entries `[h_xx, h_xy, h_yy]`.
pub fn hvp([hxx, hxy, hyy]: [f64; 3], v: &[f64], out: &mut [f64]) {
    out[0] = hxx * v[0] + hxy * v[1];
    out[1] = hxy * v[0] + hyy * v[1];
}

/// Writes the 2x2 symmetric `H` with entries `[h_xx, h_xy, h_yy]` into `h`.
pub fn fill([hxx, hxy, hyy]: [f64; 3], h: &mut Mat<f64>) {
    h[(0, 0)] = hxx;
    h[(0, 1)] = hxy;
    h[(1, 0)] = hxy;
    h[(1, 1)] = hyy;
}
