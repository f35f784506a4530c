//! Memory pre-flight: what a run will allocate, said before it allocates, against a limit.
//!
//! Every problem family ([`crate::problems::FamilyConfig::memory`]) and optimizer
//! ([`crate::optimizer::DynOptimizer::memory`], from the footprint it states once: [`crate::footprint`])
//! states what it will allocate, in bytes, split into data, dense Hessians, factors and history. A config whose problem construction alone exceeds the limit is refused when
//! it is checked (exit 2); a run whose whole estimate exceeds it is recorded `not-applicable` with what it
//! needs, before anything is allocated. An allocation that fails aborts a process, so this is the only way a
//! sweep can survive an instance too large for the machine.
//!
//! The limit defaults to [`DEFAULT_SHARE`] of physical memory (`MemTotal` of `/proc/meminfo` on Linux;
//! [`FALLBACK_PHYSICAL`] where that cannot be read) and is set for the process with [`set_limit`]
//! (`--memory-limit`).

use std::sync::atomic::{AtomicU64, Ordering};

/// The share of physical memory one run may plan to use by default.
pub const DEFAULT_SHARE: f64 = 0.5;

/// The physical memory assumed where it cannot be read: 8 GiB.
pub const FALLBACK_PHYSICAL: u64 = 8 << 30;

/// What something will allocate, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryNeed {
    /// Problem data, parameters and vectors.
    pub data: u64,
    /// Dense Hessians (or their approximations).
    pub hessian: u64,
    /// Factorisations and decompositions.
    pub factors: u64,
    /// History kept across iterations (pairs, moments, buffers).
    pub history: u64,
}

impl MemoryNeed {
    /// `count` vectors of `n` numbers, as history.
    pub fn vectors(count: u64, n: usize) -> MemoryNeed {
        MemoryNeed {
            history: bytes(count, n as u64),
            ..MemoryNeed::default()
        }
    }

    /// The sum of the parts (saturating).
    pub fn total(&self) -> u64 {
        self.data
            .saturating_add(self.hessian)
            .saturating_add(self.factors)
            .saturating_add(self.history)
    }

    /// Both needs, part by part (saturating).
    pub fn plus(self, other: MemoryNeed) -> MemoryNeed {
        MemoryNeed {
            data: self.data.saturating_add(other.data),
            hessian: self.hessian.saturating_add(other.hessian),
            factors: self.factors.saturating_add(other.factors),
            history: self.history.saturating_add(other.history),
        }
    }

    /// The non-zero parts, for messages: `data 1.2 GiB, dense Hessian 74.5 GiB`.
    pub fn parts(&self) -> String {
        [
            ("data", self.data),
            ("dense Hessian", self.hessian),
            ("factors", self.factors),
            ("history", self.history),
        ]
        .iter()
        .filter(|(_, b)| *b > 0)
        .map(|(name, b)| format!("{name} {}", gib(*b)))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// `count * n` numbers of 8 bytes (saturating).
pub fn bytes(count: u64, n: u64) -> u64 {
    count.saturating_mul(n).saturating_mul(8)
}

/// Bytes for a reader: `298 GiB`, `8.0 GiB`, `3.1 MiB`.
pub fn gib(b: u64) -> String {
    let g = b as f64 / (1u64 << 30) as f64;
    if g >= 10.0 {
        format!("{g:.0} GiB")
    } else if g >= 0.1 {
        format!("{g:.1} GiB")
    } else {
        format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
    }
}

/// The machine's physical memory: `MemTotal` of `/proc/meminfo`, or [`FALLBACK_PHYSICAL`]; read once per
/// process (a config of many instances checks each against the limit).
pub fn physical() -> u64 {
    static PHYSICAL: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *PHYSICAL.get_or_init(|| {
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|text| {
                text.lines()
                    .find(|l| l.starts_with("MemTotal:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kib| kib.parse::<u64>().ok())
            })
            .map(|kib| kib.saturating_mul(1024))
            .unwrap_or(FALLBACK_PHYSICAL)
    })
}

/// 0 means "not set": the default applies.
static LIMIT: AtomicU64 = AtomicU64::new(0);

/// Sets the process's memory limit in bytes (`None`: back to the default).
pub fn set_limit(bytes: Option<u64>) {
    LIMIT.store(bytes.unwrap_or(0), Ordering::Relaxed);
}

/// The memory limit in bytes: as set, or [`DEFAULT_SHARE`] of [`physical`] memory.
pub fn limit() -> u64 {
    match LIMIT.load(Ordering::Relaxed) {
        0 => (physical() as f64 * DEFAULT_SHARE) as u64,
        set => set,
    }
}

/// The largest size [`parse_size`] reads: 16 EiB - 1 byte (`u64::MAX`), far above any machine's memory.
pub const MAX_SIZE: u64 = u64::MAX;

/// Reads a size: a number with an optional unit, `B`, `KiB`, `MiB`, `GiB`, `TiB` (also `K`, `M`, `G`, `T`:
/// binary) or `KB`, `MB`, `GB`, `TB` (decimal); e.g. `8GiB`, `1.5 GiB`, `512MiB`. A size below 1 byte or
/// above [`MAX_SIZE`] is refused, saying which.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad = || format!("expected a size such as 8GiB, 512MiB or 2000000000, got `{text}`");
    let value: f64 = number.parse().map_err(|_| bad())?;
    let scale: f64 = match unit.trim() {
        "" | "B" => 1.0,
        "K" | "KiB" => 1024.0,
        "M" | "MiB" => 1024f64.powi(2),
        "G" | "GiB" => 1024f64.powi(3),
        "T" | "TiB" => 1024f64.powi(4),
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        _ => return Err(bad()),
    };
    let b = value * scale;
    // `u64::MAX as f64` rounds up to 2^64, so this keeps every accepted size below 2^64.
    if b.is_nan() || b >= MAX_SIZE as f64 {
        return Err(format!(
            "`{text}` is too large: a size is at most {MAX_SIZE} bytes (16 EiB), far above any machine's \
             memory"
        ));
    }
    if b < 1.0 {
        return Err(format!("a size must be at least 1 byte, got `{text}`"));
    }
    Ok(b as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_binary_and_decimal_units() {
        assert_eq!(parse_size("8GiB"), Ok(8 << 30));
        assert_eq!(parse_size("8G"), Ok(8 << 30));
        assert_eq!(parse_size("1.5 GiB"), Ok(3 << 29));
        assert_eq!(parse_size("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        for bad in ["", "GiB", "8 parsecs", "-1GiB", "0", "1e400"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        for huge in [
            "99999999TiB",
            "18446744073709551616",
            "16777216TiB",
            "1".repeat(400).as_str(),
        ] {
            let e = parse_size(huge).unwrap_err();
            assert!(e.contains("too large") && e.contains(huge), "{huge}: {e}");
        }
        assert_eq!(parse_size("16777215TiB"), Ok(16777215 << 40));
        assert!(parse_size("0.5").unwrap_err().contains("at least 1 byte"));
    }

    #[test]
    fn needs_add_up_without_overflow() {
        let huge = MemoryNeed {
            hessian: bytes(u64::MAX, 2),
            ..MemoryNeed::default()
        };
        assert_eq!(huge.plus(MemoryNeed::vectors(3, 10)).total(), u64::MAX);
        assert_eq!(MemoryNeed::vectors(3, 10).total(), 240);
        assert!(physical() > 0 && limit() > 0);
    }
}
