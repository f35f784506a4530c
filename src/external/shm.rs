//! Shared memory for large vectors (protocol version 2): an anonymous memory file that the client inherits as
//! file descriptor [`FD`], in two areas of [`Shared::capacity`] numbers each, the request area (client to
//! harness) at byte 0 and the response area (harness to client) after it. A message whose header carries
//! `"shm": true` has its payload in the area of its direction instead of after the header on the pipe; the
//! header still says how many numbers (`f64`), and the pipe still orders the messages. Vectors then cross
//! without the pipe's copies through the kernel, which at a million numbers cost more than the evaluation.
//!
//! Offered on Linux (`memfd_create`) for dims of at least [`MIN_DIM`]; elsewhere, or where the memory file
//! cannot be made, the hello offers nothing and every payload travels on the pipe. The file has no name, so
//! nothing is left behind whatever happens to either process.

/// The client's file descriptor of the memory file.
pub const FD: i32 = 3;

/// The smallest dim for which the memory file is offered: below it a vector crosses the pipe in one write,
/// and the pipe's copies cost less than the wake-up both ways pay anyway.
pub const MIN_DIM: usize = 1024;

/// The harness's mapping of the memory file.
pub struct Shared {
    file: std::fs::File,
    map: memmap2::MmapMut,
    capacity: usize,
}

impl Shared {
    /// A memory file for a problem of dim `n`: areas of `2 n` numbers (an hvp's point and direction; an
    /// answer of value and gradient). `None` where the system offers none.
    pub fn create(n: usize) -> Option<Shared> {
        if n < MIN_DIM {
            return None;
        }
        let capacity = n.checked_mul(2)?;
        let bytes = capacity.checked_mul(16)?;
        let file = memory_file()?;
        file.set_len(u64::try_from(bytes).ok()?).ok()?;
        // SAFETY: the file is ours and unnamed; only the client we start shares it, and the harness reads a
        // request only after the client's header says it is written (the pipe orders the two), copying it out
        // before use, so a client writing at the wrong time changes numbers, never memory safety.
        let map = unsafe { memmap2::MmapMut::map_mut(&file) }.ok()?;
        Some(Shared {
            file,
            map,
            capacity,
        })
    }

    /// Numbers per area.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The memory file's descriptor in this process (the client gets it as [`FD`]).
    #[cfg(unix)]
    pub fn raw_fd(&self) -> i32 {
        std::os::fd::AsRawFd::as_raw_fd(&self.file)
    }

    /// The request area's numbers `at..at + len`, where they fit.
    pub fn request(&self, at: usize, len: usize) -> Option<&[f64]> {
        let end = at.checked_add(len).filter(|&e| e <= self.capacity)?;
        Some(&self.numbers()[at..end])
    }

    /// The first `len` numbers of the response area, where they fit: evaluations are written straight into it.
    pub fn response(&mut self, len: usize) -> Option<&mut [f64]> {
        let cap = self.capacity;
        (len <= cap).then(|| &mut self.numbers_mut()[cap..cap + len])
    }

    /// The request area's first `request` numbers and the response area's first `response` numbers at once,
    /// where they fit: an iterate read in place while its evaluation is written where the client reads it.
    pub fn areas(&mut self, request: usize, response: usize) -> Option<(&[f64], &mut [f64])> {
        let cap = self.capacity;
        if request > cap || response > cap {
            return None;
        }
        let (req, resp) = self.numbers_mut().split_at_mut(cap);
        Some((&req[..request], &mut resp[..response]))
    }

    /// Both areas as numbers. The map is page-aligned and `2 capacity` numbers long; the file exists only on
    /// little-endian machines (see [`memory_file`]), where these are the wire's numbers.
    fn numbers(&self) -> &[f64] {
        // SAFETY: the map is page-aligned (so f64-aligned) and 16 * capacity bytes long; every bit pattern is a
        // valid f64.
        unsafe { std::slice::from_raw_parts(self.map.as_ptr().cast::<f64>(), 2 * self.capacity) }
    }

    fn numbers_mut(&mut self) -> &mut [f64] {
        // SAFETY: as in `numbers`, and the map is borrowed mutably.
        unsafe {
            std::slice::from_raw_parts_mut(self.map.as_mut_ptr().cast::<f64>(), 2 * self.capacity)
        }
    }
}

/// An unnamed memory file, closed on exec (the client gets its own copy as [`FD`]). Linux on little-endian
/// machines only, where the numbers in memory are the wire's.
#[cfg(all(target_os = "linux", target_endian = "little"))]
fn memory_file() -> Option<std::fs::File> {
    use std::os::fd::FromRawFd;
    // SAFETY: memfd_create(2) takes a NUL-terminated name and returns a new descriptor that we then own.
    let fd = unsafe { libc::memfd_create(c"optzoo-vectors".as_ptr(), libc::MFD_CLOEXEC) };
    // SAFETY: a non-negative result is a fresh descriptor owned by no one else.
    (fd >= 0).then(|| unsafe { std::fs::File::from_raw_fd(fd) })
}

#[cfg(not(all(target_os = "linux", target_endian = "little")))]
fn memory_file() -> Option<std::fs::File> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_cross_both_areas_bit_for_bit_and_never_past_them() {
        assert!(
            Shared::create(MIN_DIM - 1).is_none(),
            "small dims use the pipe"
        );
        let Some(mut s) = Shared::create(MIN_DIM) else {
            return; // no memory files here: the pipe carries everything
        };
        let cap = s.capacity();
        assert_eq!(cap, 2 * MIN_DIM);
        let values = [1.5, -0.0, f64::MIN_POSITIVE];
        s.response(3).expect("fits").copy_from_slice(&values);
        // The response area is what a client reads; the harness reads the request area, still zero.
        assert_eq!(s.request(0, 3), Some(&[0.0; 3][..]));
        assert!(
            s.request(cap - 2, 3).is_none(),
            "a read past the area is refused"
        );
        assert!(
            s.response(cap + 1).is_none(),
            "a write past the area is refused"
        );
        let (req, resp) = s.areas(2, 3).expect("fits");
        assert_eq!((req, &*resp), (&[0.0; 2][..], &values[..]));
        assert!(s.areas(cap + 1, 1).is_none() && s.areas(1, cap + 1).is_none());
        let bytes = &s.map[8 * cap..8 * cap + 24];
        let mut wire = Vec::new();
        crate::external::protocol::put_f64s(&mut wire, &values);
        assert_eq!(
            bytes,
            &wire[..],
            "the response area holds the wire's little-endian numbers"
        );
    }
}
