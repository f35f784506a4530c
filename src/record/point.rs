//! The final point of a run, kept beside its record as a binary file: what the record says of that file
//! ([`PointFile`]) and the file's bytes ([`encode`], [`decode`]).
//!
//! The file holds the coordinates as little-endian IEEE-754 doubles, nothing else: `8 len` bytes. The
//! record states the length and the SHA-256 of the bytes, so a reader checks what it reads: a missing,
//! shortened, extended or altered file is refused, never read as another point.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a record says of its final point's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointFile {
    /// The number of coordinates (the file has `8 len` bytes).
    pub len: usize,
    /// The SHA-256 of the file's bytes, in lowercase hex.
    pub sha256: String,
}

/// The bytes of the file of `x`, with what a record says of them.
pub fn encode(x: &[f64]) -> (Vec<u8>, PointFile) {
    let bytes: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
    let file = PointFile {
        len: x.len(),
        sha256: hex_sha256(&bytes),
    };
    (bytes, file)
}

/// The point in `bytes`, checked against what the record says of its file; the error says what differs.
pub fn decode(bytes: &[u8], file: &PointFile) -> Result<Vec<f64>, String> {
    let expected = file.len.saturating_mul(8);
    if bytes.len() != expected {
        return Err(format!(
            "holds {} bytes, but its record says {} coordinates ({expected} bytes of little-endian f64)",
            bytes.len(),
            file.len
        ));
    }
    let hash = hex_sha256(bytes);
    if hash != file.sha256 {
        return Err(format!(
            "its SHA-256 is {hash}, but its record says {}: the file was altered or belongs to another run",
            file.sha256
        ));
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            f64::from_le_bytes(b)
        })
        .collect())
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_reads_back_bit_for_bit_and_any_change_is_refused() {
        let x = [1.5, -0.0, f64::MIN_POSITIVE, 1e300, -3.25];
        let (bytes, file) = encode(&x);
        assert_eq!(bytes.len(), 40);
        assert_eq!(&bytes[..8], &1.5f64.to_le_bytes());
        let back = decode(&bytes, &file).expect("unchanged");
        assert!(back.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
        let mut flipped = bytes.clone();
        flipped[17] ^= 1;
        assert!(decode(&flipped, &file).unwrap_err().contains("SHA-256"));
        assert!(
            decode(&bytes[..32], &file)
                .unwrap_err()
                .contains("holds 32 bytes")
        );
        // The SHA-256 of the empty string, a known value.
        assert_eq!(
            encode(&[]).1.sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
