//! `tanh` and its derivative over whole columns, branch-free so that the compiler vectorises it.
//!
//! The platform's `tanh` is a library call per element (about 50 ns here, most of a small network's
//! forward pass) and differs between C libraries in the last bits. This one is the same arithmetic on every
//! platform, within 2 ulp of the correctly rounded value (tested against `f64::tanh` below):
//! - `|x| < 0.625`: `x + x z P(z)/Q(z)`, `z = x^2`, the rational approximation of Cephes' `tanh.c`
//!   (Moshier 1989);
//! - else `sign(x) (1 - 2/(e^(2|x|) + 1))` (no cancellation: the result is at least 0.55), with `|x|` capped
//!   at 20, where `tanh` rounds to 1, and `e^y` by Cody-Waite reduction `y = k ln 2 + r`, `|r| <= ln(2)/2`,
//!   and the degree-13 Taylor polynomial of `e^r` (truncation below `4e-18` relative).

const P: [f64; 3] = [
    -9.643_991_794_250_523e-1,
    -9.928_772_310_019_186e1,
    -1.614_687_684_417_084_5e3,
];
const Q: [f64; 3] = [
    1.128_116_784_916_329_3e2,
    2.235_488_390_601_004_5e3,
    4.844_063_053_251_255e3,
];
const ROUNDER: f64 = 6_755_399_441_055_744.0;
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// `1/k!` for `k = 13` down to `0`.
const INV_FACTORIALS: [f64; 14] = [
    1.0 / 6_227_020_800.0,
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    1.0 / 2.0,
    1.0,
    1.0,
];

/// `e^y` for `0 <= y <= 40`.
#[inline(always)]
fn exp_bounded(y: f64) -> f64 {
    // k = round(y / ln 2) by the 1.5 * 2^52 trick (no library call, so the loop vectorises): the sum's low
    // mantissa bits are k itself.
    let shifted = y * std::f64::consts::LOG2_E + ROUNDER;
    let k = shifted - ROUNDER;
    let r = (y - k * LN2_HI) - k * LN2_LO;
    // Taylor to r^13 / 13!, Horner from the top.
    let mut p = INV_FACTORIALS[0];
    for c in &INV_FACTORIALS[1..] {
        p = p * r + c;
    }
    // 0 <= k <= 58: 2^k from the biased exponent k + 1023, which fits the low 12 bits.
    p * f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52)
}

/// `tanh(x)`, within 2 ulp.
#[inline(always)]
pub(super) fn tanh(x: f64) -> f64 {
    // Written so that a NaN stays NaN (comparisons with it are false).
    let ax = if x.abs() > 20.0 { 20.0 } else { x.abs() };
    let z = x * x;
    // Both branches as `base + num / den`, so that one division serves either.
    let small = ax < 0.625;
    let (base, num, den) = if small {
        (
            x,
            x * z * ((P[0] * z + P[1]) * z + P[2]),
            ((z + Q[0]) * z + Q[1]) * z + Q[2],
        )
    } else {
        (1.0, -2.0, exp_bounded(2.0 * ax) + 1.0)
    };
    // Odd, with the sign of x (so tanh(-0) = -0).
    (base + num / den).copysign(x)
}

#[inline(always)]
fn tanh_loop(s: &[f64], a: &mut [f64], d: &mut [f64]) {
    for ((a, d), &v) in a.iter_mut().zip(d.iter_mut()).zip(s) {
        let t = tanh(v);
        *a = t;
        *d = 1.0 - t * t;
    }
}

/// The same loop compiled for 256-bit vectors. No fused multiply-add is enabled, so the results are those
/// of the portable loop, bit for bit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn tanh_loop_avx2(s: &[f64], a: &mut [f64], d: &mut [f64]) {
    tanh_loop(s, a, d);
}

/// `a = tanh(s)` and `d = tanh'(s) = 1 - a^2`, elementwise.
pub(super) fn tanh_and_derivative(s: &[f64], a: &mut [f64], d: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor supports AVX2, checked just above.
        unsafe { tanh_loop_avx2(s, a, d) };
        return;
    }
    tanh_loop(s, a, d);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place (both finite, same sign or zero).
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn within_two_ulp_of_the_library_tanh() {
        let mut worst = 0;
        let mut x = 1e-300f64;
        // Log-spaced magnitudes from 1e-300 to 40, both signs, plus a dense grid around the branch point.
        while x < 40.0 {
            for v in [x, -x] {
                worst = worst.max(ulps(tanh(v), v.tanh()));
            }
            x *= 1.0007;
        }
        for i in 0..200_000 {
            let v = -3.0 + 6.0 * i as f64 / 200_000.0;
            worst = worst.max(ulps(tanh(v), v.tanh()));
        }
        assert!(worst <= 2, "worst error {worst} ulp");
        // The vectorised loop gives the scalar function's bits.
        let xs: Vec<f64> = (0..1001).map(|i| -12.0 + 0.024 * i as f64).collect();
        let (mut a, mut d) = (vec![0.0; xs.len()], vec![0.0; xs.len()]);
        tanh_and_derivative(&xs, &mut a, &mut d);
        for ((x, a), d) in xs.iter().zip(&a).zip(&d) {
            assert_eq!(a.to_bits(), tanh(*x).to_bits());
            assert_eq!(d.to_bits(), (1.0 - a * a).to_bits());
        }
        assert_eq!(tanh(0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(
            (tanh(1e3), tanh(-1e3), tanh(f64::INFINITY)),
            (1.0, -1.0, 1.0)
        );
        assert!(tanh(f64::NAN).is_nan());
    }
}
