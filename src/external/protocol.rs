//! The wire format of the external-optimizer protocol (`docs/external-protocol.md`): a JSON header line, then
//! a payload of little-endian `f64`s whose length the header gives.
//!
//! This module only frames messages; what they mean is the client's business ([`super::client`]) and the
//! external optimizer's ([`crate::optimizers::external`]).

use std::io::{BufRead, Read, Write};

use serde::Deserialize;

/// The protocol's name, sent in `hello`.
pub const PROTOCOL: &str = "optzoo-external";

/// The protocol version `hello` carries in `version`: 1, so that clients of version 1, which refuse any other
/// number, run unchanged.
pub const VERSION: u32 = 1;

/// Every version this harness speaks, sent in `hello` as `versions`: version 2 only adds (an `iterate` that asks
/// for its evaluation, a batch `eval`, `stop` as the answer to an `eval` at the end of the budget), so a client
/// of version 2 checks that 2 is listed.
pub const VERSIONS: [u32; 2] = [1, 2];

/// The most points one batch `eval` may carry.
pub const MAX_BATCH: u64 = 1 << 16;

/// The largest dimension whose dense Hessian crosses the wire (2 GiB of numbers): asked of a problem process,
/// or served to a client.
pub const MAX_HESSIAN_DIM: usize = 16384;

/// The longest header line accepted, in bytes (without its `\n`).
pub const MAX_HEADER: usize = 65536;

/// A header the client sent. Unknown keys are ignored (later versions may add some).
#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    /// The operation: `eval`, `iterate`, `done`, `fail`.
    pub op: String,
    /// The payload length in numbers.
    pub f64: u64,
    /// What an `eval` asks for.
    #[serde(default)]
    pub want: Vec<String>,
    /// A `done` or `fail` message.
    #[serde(default)]
    pub message: Option<String>,
    /// How many points a batch `eval` carries (version 2; 1 when absent).
    #[serde(default)]
    pub points: Option<u64>,
    /// The payload is in the request area of the shared memory file, not on the pipe (version 2; see
    /// [`super::shm`]).
    #[serde(default)]
    pub shm: bool,
}

/// Why a message could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The stream ended before a header began: the client closed its stdout.
    Closed,
    /// The stream ended, or failed, inside a message.
    Truncated(String),
    /// Bytes that are not a header line.
    Garbage(String),
}

/// Reads one header line of a client (see [`read_header_as`]).
pub fn read_header(input: &mut impl BufRead, line: &mut Vec<u8>) -> Result<Header, ReadError> {
    read_header_as(input, line)
}

/// Reads one header line into `T`, the header type of its direction (a client's [`Header`], a problem
/// process's header). `Closed` when the stream ends cleanly before it.
pub fn read_header_as<T: serde::de::DeserializeOwned>(
    input: &mut impl BufRead,
    line: &mut Vec<u8>,
) -> Result<T, ReadError> {
    line.clear();
    let read = input
        .take(MAX_HEADER as u64 + 1)
        .read_until(b'\n', line)
        .map_err(|e| ReadError::Truncated(format!("reading a header failed: {e}")))?;
    if read == 0 {
        return Err(ReadError::Closed);
    }
    if line.last() != Some(&b'\n') {
        return Err(if line.len() > MAX_HEADER {
            ReadError::Garbage(format!(
                "a header longer than {MAX_HEADER} bytes, beginning {}",
                quote(line)
            ))
        } else {
            ReadError::Truncated(format!("the stream ended inside a header: {}", quote(line)))
        });
    }
    serde_json::from_slice::<T>(line)
        .map_err(|e| ReadError::Garbage(format!("{} is not a header ({e})", quote(line))))
}

/// The bytes of `v` as they lie in memory: on a little-endian machine, the wire format itself.
#[cfg(target_endian = "little")]
fn as_bytes(v: &[f64]) -> &[u8] {
    // SAFETY: an f64 is 8 bytes without padding, u8 has alignment 1, and the length is the slice's size.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

/// The bytes of `v`, writable: every bit pattern is a valid f64.
#[cfg(target_endian = "little")]
fn as_bytes_mut(v: &mut [f64]) -> &mut [u8] {
    // SAFETY: as in `as_bytes`, and any 8 bytes written are a valid f64 (possibly a NaN).
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

/// Reads `out.len()` little-endian numbers into `out`. On a little-endian machine they are read straight into
/// `out`; elsewhere through the byte buffer `bytes`.
pub fn read_f64s(
    input: &mut impl Read,
    bytes: &mut Vec<u8>,
    out: &mut [f64],
) -> Result<(), ReadError> {
    let n = out.len();
    let truncated = move |e: std::io::Error| {
        ReadError::Truncated(format!(
            "the stream ended inside a payload of {n} numbers ({e})"
        ))
    };
    #[cfg(target_endian = "little")]
    {
        let _ = bytes;
        input.read_exact(as_bytes_mut(out)).map_err(truncated)
    }
    #[cfg(not(target_endian = "little"))]
    {
        bytes.resize(n * 8, 0);
        input.read_exact(bytes).map_err(truncated)?;
        for (v, b) in out.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            *v = f64::from_le_bytes(a);
        }
        Ok(())
    }
}

/// Appends `values` to `bytes` as little-endian numbers.
pub fn put_f64s(bytes: &mut Vec<u8>, values: &[f64]) {
    #[cfg(target_endian = "little")]
    bytes.extend_from_slice(as_bytes(values));
    #[cfg(not(target_endian = "little"))]
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
}

/// Writes a header (the JSON object `header`, without its `f64` key, which is added) followed by the payload
/// already encoded in `payload` (`8 * count` bytes), and flushes.
pub fn write_message(output: &mut impl Write, header: &str, payload: &[u8]) -> std::io::Result<()> {
    write_header(output, header, payload.len() / 8)?;
    output.write_all(payload)?;
    output.flush()
}

/// Writes a header (as [`write_message`]) followed by `values` as little-endian numbers, straight from memory on
/// a little-endian machine, and flushes.
pub fn write_numbers(output: &mut impl Write, header: &str, values: &[f64]) -> std::io::Result<()> {
    write_header(output, header, values.len())?;
    #[cfg(target_endian = "little")]
    output.write_all(as_bytes(values))?;
    #[cfg(not(target_endian = "little"))]
    for v in values {
        output.write_all(&v.to_le_bytes())?;
    }
    output.flush()
}

/// Writes a header (the JSON object `header`, without its `f64` key, which is added as `count`), without
/// flushing: the payload follows, or lies in shared memory.
pub fn write_header(output: &mut impl Write, header: &str, count: usize) -> std::io::Result<()> {
    debug_assert!(header.starts_with('{') && header.ends_with('}'));
    let inner = &header[1..header.len() - 1];
    let sep = if inner.trim().is_empty() { "" } else { "," };
    writeln!(output, "{{{inner}{sep}\"f64\":{count}}}")
}

/// The first bytes of `bytes`, printable: for messages about garbage.
pub fn quote(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(60)];
    let text: String = String::from_utf8_lossy(head)
        .chars()
        .flat_map(char::escape_default)
        .collect();
    if bytes.len() > head.len() {
        format!("\"{text}...\"")
    } else {
        format!("\"{text}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_round_trips_bit_for_bit() {
        let values = [1.5, -0.0, f64::MIN_POSITIVE, 1e300, f64::NAN];
        let mut payload = Vec::new();
        put_f64s(&mut payload, &values);
        let mut wire = Vec::new();
        write_message(&mut wire, r#"{"op":"iterate"}"#, &payload).expect("in memory");
        let mut input = &wire[..];
        let mut line = Vec::new();
        let h = read_header(&mut input, &mut line).expect("a header");
        assert_eq!((h.op.as_str(), h.f64), ("iterate", 5));
        let mut out = [0.0; 5];
        read_f64s(&mut input, &mut Vec::new(), &mut out).expect("a payload");
        for (a, b) in values.iter().zip(&out) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
        assert!(matches!(
            read_header(&mut input, &mut line),
            Err(ReadError::Closed)
        ));
    }

    #[test]
    fn garbage_and_truncation_are_told_apart() {
        let mut line = Vec::new();
        let e = read_header(&mut &b"hello world\n"[..], &mut line);
        assert!(matches!(e, Err(ReadError::Garbage(m)) if m.contains("hello world")));
        let e = read_header(&mut &b"{\"op\":\"eval\""[..], &mut line);
        assert!(matches!(e, Err(ReadError::Truncated(_))));
        let long = vec![b'x'; MAX_HEADER + 10];
        let e = read_header(&mut &long[..], &mut line);
        assert!(matches!(e, Err(ReadError::Garbage(m)) if m.contains("longer than")));
        let e = read_f64s(&mut &[0u8; 12][..], &mut Vec::new(), &mut [0.0; 2]);
        assert!(matches!(e, Err(ReadError::Truncated(_))));
    }
}
