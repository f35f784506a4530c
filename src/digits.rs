//! Numbers for people: a value rounded to a few significant digits, in the shortest form that shows them
//! (`0.0197`, `3.8`, `1234`, `3.2e-3`, `1.235e4`), for tables and terminal output. Records and CSV files keep
//! full precision; this is only for reading.

/// `x` rounded to `digits` significant digits (at least 1), trailing zeros dropped: plain decimals for
/// magnitudes in `[0.01, 10^digits)`, exponent notation (`3.2e-3`, `1.5e6`) otherwise; `0`, `inf`,
/// `-inf` and `NaN` as such.
pub fn significant(x: f64, digits: usize) -> String {
    if x == 0.0 {
        return "0".into();
    }
    if !x.is_finite() {
        return format!("{x}");
    }
    let digits = digits.max(1);
    // Round first, in exponent form, so that the exponent is the rounded value's (9.9996 -> 1.000e1).
    let sci = format!("{:.*e}", digits - 1, x);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-2..digits as i32).contains(&exp) {
        let decimals = (digits as i32 - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{:.*}", decimals, x))
    } else {
        format!("{}e{exp}", trim_zeros(mantissa))
    }
}

/// A duration in seconds for reading: `digits` significant digits in the largest unit of `s`, `ms`, `us`
/// and `ns` that keeps the value at least 1 (`3.6 us`, `12.5 ms`, `2 s`); below a nanosecond in `ns`,
/// zero as `0 s`, and non-finite values as [`significant`] writes them, in `s`.
pub fn duration(seconds: f64, digits: usize) -> String {
    if seconds == 0.0 || !seconds.is_finite() {
        return format!("{} s", significant(seconds, digits));
    }
    let a = seconds.abs();
    let (scale, unit) = [(1.0, "s"), (1e3, "ms"), (1e6, "us")]
        .into_iter()
        .find(|(scale, _)| a * scale >= 1.0)
        .unwrap_or((1e9, "ns"));
    format!("{} {unit}", significant(seconds * scale, digits))
}

/// A decimal without trailing zeros after its point (and without the point when nothing follows it).
fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{duration, significant};

    #[test]
    fn durations_take_the_largest_unit_that_keeps_them_at_least_one() {
        assert_eq!(duration(3.6e-6, 3), "3.6 us");
        assert_eq!(duration(0.0125, 3), "12.5 ms");
        assert_eq!(duration(2.0, 3), "2 s");
        assert_eq!(duration(150.0, 3), "150 s");
        assert_eq!(duration(4.2e-10, 2), "0.42 ns");
        assert_eq!(duration(7.5e-9, 2), "7.5 ns");
        assert_eq!(duration(0.0, 3), "0 s");
    }

    #[test]
    fn values_keep_the_digits_asked_for_in_their_shortest_form() {
        assert_eq!(significant(0.0, 4), "0");
        assert_eq!(significant(3.8123456, 4), "3.812");
        assert_eq!(significant(3.8, 4), "3.8");
        assert_eq!(significant(-2.0, 4), "-2");
        assert_eq!(significant(0.019712, 3), "0.0197");
        assert_eq!(significant(0.0032, 4), "3.2e-3");
        assert_eq!(significant(1234.4, 4), "1234");
        assert_eq!(significant(12346.0, 4), "1.235e4");
        assert_eq!(significant(9.99996, 4), "10");
        assert_eq!(significant(1.0000000000000002e-4, 4), "1e-4");
        assert_eq!(significant(-6.02e23, 3), "-6.02e23");
        assert_eq!(significant(f64::INFINITY, 4), "inf");
        assert_eq!(significant(f64::NAN, 4), "NaN");
        for x in [1.234567e-9, 0.5, 7.0, 123.456, 9.87e12] {
            let back: f64 = significant(x, 4).parse().expect("parses as a number");
            assert!((back - x).abs() <= 5e-4 * x.abs(), "{x:e} -> {back:e}");
        }
    }
}
