//! One external client process: started in its own process group, its stdin and stdout as the protocol's
//! channel, the tail of its stderr kept for failure messages, and a watchdog that kills the whole group when
//! the run's `timeout_s` is up.
//!
//! No process outlives its run: the group is killed before the client is reaped on every path (it exits on
//! its own, it is told to stop, it faults, it times out, it is dropped). A watcher thread waits for the
//! client to exit without reaping it (`waitid` with `WNOWAIT`) and kills its group at once, so a grandchild
//! that still holds the client's stdout dies with it and the harness reads end-of-file instead of waiting
//! for the timeout. The group is only ever signalled while its leader is unreaped, so its number cannot
//! have been reused.

use std::collections::VecDeque;
use std::io::{BufReader, BufWriter, Read};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How much of the client's stderr is kept, in bytes.
pub const STDERR_TAIL: usize = 4096;

/// How long a client told to stop may take to exit before it is killed.
pub const GRACE: Duration = Duration::from_secs(1);

/// A client's process group, signalled only while its leader is not yet reaped.
struct Group {
    pid: u32,
    /// Set once the leader is reaped; held while the group is signalled or the leader reaped.
    reaped: Mutex<bool>,
}

impl Group {
    /// Kills every process of the group, unless the leader is already reaped.
    fn kill(&self) {
        if let Ok(reaped) = self.reaped.lock()
            && !*reaped
        {
            kill_group(self.pid);
        }
    }

    /// Kills the group, then reaps the leader; its exit status.
    fn reap(&self, child: &Mutex<Child>) -> Option<ExitStatus> {
        let mut reaped = self.reaped.lock().ok()?;
        let mut child = child.lock().ok()?;
        if !*reaped {
            kill_group(self.pid);
            let _ = child.kill();
        }
        let status = child.wait().ok();
        *reaped = true;
        status
    }
}

/// Blocks until the process `pid` (our child) has exited, without reaping it.
#[cfg(target_os = "linux")]
fn wait_exit_unreaped(pid: u32) {
    let id: libc::id_t = pid;
    loop {
        // SAFETY: waitid(2) writes only into the siginfo_t we own; WNOWAIT leaves the child waitable.
        let r = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(libc::P_PID, id, &mut info, libc::WEXITED | libc::WNOWAIT)
        };
        if r == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return;
        }
    }
}

/// A running client.
pub struct ClientProcess {
    child: Arc<Mutex<Child>>,
    group: Arc<Group>,
    /// Set by the watcher when the client has exited (its group then killed).
    exited: Arc<AtomicBool>,
    /// The channel to the client (its stdin); `None` once closed.
    pub input: Option<BufWriter<ChildStdin>>,
    /// The channel from the client (its stdout).
    pub output: BufReader<ChildStdout>,
    tail: Arc<Mutex<VecDeque<u8>>>,
    stderr_reader: Option<JoinHandle<()>>,
    watchdog: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
    timed_out: Arc<AtomicBool>,
    status: Option<ExitStatus>,
    /// The client's last answer came within [`SPIN`]: the next one is polled for before blocking.
    quick: bool,
}

/// How long the harness polls the client's stdout before it sleeps in the kernel. Waking a sleeping reader
/// costs more than a fast client's whole reply (a bare pipe round trip between two sleeping processes took
/// 35 us on a 2-core machine, 1 us between two polling ones), so while the client answers within this time
/// the harness polls; once an answer takes longer it sleeps until one comes quickly again.
pub const SPIN: Duration = Duration::from_micros(50);

/// The pipe buffer asked for (Linux's default is 64 KiB): a vector of 10^4 numbers crosses in one write, not
/// in two or more with a wake-up of the reader between them.
const PIPE_BYTES: i32 = 1 << 20;

/// Enlarges a pipe's buffer where the system allows it (Linux); elsewhere, or when refused, nothing changes.
fn enlarge_pipe(fd: &impl std::os::fd::AsRawFd) {
    #[cfg(target_os = "linux")]
    // SAFETY: fcntl(2) on a file descriptor we own; F_SETPIPE_SZ only resizes the pipe's kernel buffer.
    unsafe {
        libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_BYTES);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (fd, PIPE_BYTES);
}

/// Whether `fd` has bytes to read or is closed, waiting up to `timeout_ms` (-1: for ever; 0: not at all).
/// Where polling is not offered it answers true, and the read that follows blocks instead.
fn readable(fd: &impl std::os::fd::AsRawFd, timeout_ms: i32) -> bool {
    #[cfg(unix)]
    loop {
        let mut p = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll(2) reads and writes only the one pollfd we own.
        let r = unsafe { libc::poll(&mut p, 1, timeout_ms) };
        if r >= 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return r != 0;
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (fd, timeout_ms);
        true
    }
}

/// Kills every process of the group led by `pid` (the client and anything it started).
fn kill_group(pid: u32) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals a process group; it touches no memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = pid;
}

impl ClientProcess {
    /// Starts `command` (program and arguments) in `dir` with `env` added, and a watchdog that kills it
    /// after `timeout`. `shared`, a descriptor of ours, becomes the client's descriptor
    /// [`super::shm::FD`] (the memory file of large vectors); no other descriptor of ours reaches it.
    pub fn spawn(
        command: &[String],
        dir: &Path,
        env: &[(String, String)],
        timeout: Duration,
        shared: Option<i32>,
    ) -> Result<ClientProcess, String> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| "the command is empty".to_string())?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(dir)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        #[cfg(unix)]
        if let Some(fd) = shared {
            let target = super::shm::FD;
            // SAFETY: runs in the child between fork and exec, calling only async-signal-safe dup2(2) and
            // fcntl(2) on descriptors, and allocating nothing.
            unsafe {
                std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
                    let r = if fd == target {
                        // dup2 onto itself keeps close-on-exec: clear it instead.
                        libc::fcntl(fd, libc::F_SETFD, 0)
                    } else {
                        libc::dup2(fd, target)
                    };
                    if r < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        #[cfg(not(unix))]
        let _ = shared;
        let mut child = cmd.spawn().map_err(|e| {
            format!(
                "cannot start `{}` in {}: {e}",
                command.join(" "),
                dir.display()
            )
        })?;
        let pid = child.id();
        let (Some(stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            kill_group(pid);
            let _ = child.kill();
            let _ = child.wait();
            return Err("cannot start the client: its pipes were not opened".into());
        };
        enlarge_pipe(&stdin);
        enlarge_pipe(&stdout);
        let tail = Arc::new(Mutex::new(VecDeque::with_capacity(STDERR_TAIL)));
        let sink = tail.clone();
        let stderr_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut t) = sink.lock() {
                    // Room first, so the buffer never grows past its capacity.
                    let excess = (t.len() + n).saturating_sub(STDERR_TAIL).min(t.len());
                    t.drain(..excess);
                    t.extend(&buf[n.saturating_sub(STDERR_TAIL)..n]);
                }
            }
        });
        let child = Arc::new(Mutex::new(child));
        let group = Arc::new(Group {
            pid,
            reaped: Mutex::new(false),
        });
        let timed_out = Arc::new(AtomicBool::new(false));
        let (cancel, cancelled) = mpsc::channel::<()>();
        let flag = timed_out.clone();
        let watched = group.clone();
        let watchdog = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = cancelled.recv_timeout(timeout) {
                flag.store(true, Ordering::SeqCst);
                watched.kill();
            }
        });
        let exited = Arc::new(AtomicBool::new(false));
        #[cfg(target_os = "linux")]
        {
            let (group, exited) = (group.clone(), exited.clone());
            std::thread::spawn(move || {
                wait_exit_unreaped(pid);
                group.kill();
                exited.store(true, Ordering::SeqCst);
            });
        }
        Ok(ClientProcess {
            child,
            group,
            exited,
            input: Some(BufWriter::with_capacity(1 << 16, stdin)),
            output: BufReader::with_capacity(1 << 16, stdout),
            tail,
            stderr_reader: Some(stderr_reader),
            watchdog: Some((cancel, watchdog)),
            timed_out,
            status: None,
            quick: true,
        })
    }

    /// Reads the client's next header (see [`super::protocol::read_header`]), after waiting for it: polling
    /// for up to [`SPIN`] while the client answers quickly, else sleeping in the kernel.
    pub fn read_header(
        &mut self,
        line: &mut Vec<u8>,
    ) -> Result<super::protocol::Header, super::protocol::ReadError> {
        self.await_message();
        super::protocol::read_header(&mut self.output, line)
    }

    /// Reads the process's next header into `T` (see [`super::protocol::read_header_as`]), waiting at most
    /// `limit` for it to begin: `None` when it did not (the process hangs).
    pub fn read_header_within<T: serde::de::DeserializeOwned>(
        &mut self,
        line: &mut Vec<u8>,
        limit: Duration,
    ) -> Option<Result<T, super::protocol::ReadError>> {
        if self.output.buffer().is_empty() {
            let started = Instant::now();
            let mut began = false;
            while started.elapsed() < SPIN {
                if readable(self.output.get_ref(), 0) {
                    began = true;
                    break;
                }
                std::hint::spin_loop();
            }
            while !began {
                let left = limit.saturating_sub(started.elapsed());
                if left.is_zero() {
                    return None;
                }
                let ms = i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX);
                began = readable(self.output.get_ref(), ms);
            }
        }
        Some(super::protocol::read_header_as(&mut self.output, line))
    }

    /// Kills the process (if it still runs) and describes a fault for a run's message: `who (what); stderr:
    /// ...` with the end of its stderr (at most 2000 characters), or `who (what); stderr was empty`.
    pub fn fault_report(&mut self, who: &str, what: &str) -> String {
        self.kill();
        let tail = self.stderr_tail();
        if tail.is_empty() {
            format!("{who} ({what}); stderr was empty")
        } else {
            let cut = tail.char_indices().rev().nth(1999).map_or(0, |(i, _)| i);
            format!("{who} ({what}); stderr: {}", &tail[cut..])
        }
    }

    /// Waits until the client's next message has begun to arrive (or its stdout is closed): polling for up to
    /// [`SPIN`] while its answers come quickly, else sleeping in the kernel; a message already buffered is read
    /// at once. Reading then blocks no longer than the message takes to arrive.
    fn await_message(&mut self) {
        if !self.output.buffer().is_empty() {
            return;
        }
        let started = Instant::now();
        if self.quick {
            while started.elapsed() < SPIN {
                if readable(self.output.get_ref(), 0) {
                    return;
                }
                std::hint::spin_loop();
            }
        }
        readable(self.output.get_ref(), -1);
        self.quick = started.elapsed() < SPIN;
    }

    /// Whether the watchdog killed the client.
    pub fn timed_out(&self) -> bool {
        self.timed_out.load(Ordering::SeqCst)
    }

    /// Whether the client has exited (on Linux, seen without reaping it).
    fn has_exited(&self) -> bool {
        #[cfg(target_os = "linux")]
        {
            self.exited.load(Ordering::SeqCst)
        }
        #[cfg(not(target_os = "linux"))]
        match self.child.lock() {
            Ok(mut c) => c.try_wait().ok().flatten().is_some(),
            Err(_) => false,
        }
    }

    /// Waits for the client to exit, at most `limit`; its status if it did (its group killed and the client
    /// reaped).
    pub fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        if self.status.is_some() {
            return self.status;
        }
        let start = Instant::now();
        let mut pause = Duration::from_micros(100);
        loop {
            if self.has_exited() {
                self.status = self.group.reap(&self.child);
                return self.status;
            }
            if start.elapsed() >= limit {
                return None;
            }
            std::thread::sleep(pause.min(limit.saturating_sub(start.elapsed())));
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }

    /// Kills the client's process group and reaps the client; its exit status.
    pub fn kill(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.group.reap(&self.child);
        }
        self.input = None;
        self.status
    }

    /// The last bytes the client wrote to stderr, as text (after it has exited or been killed).
    pub fn stderr_tail(&mut self) -> String {
        // The reader ends when the pipe closes; give it a moment to drain what the client wrote last.
        if let Some(reader) = self.stderr_reader.take() {
            let start = Instant::now();
            while !reader.is_finished() && start.elapsed() < Duration::from_millis(200) {
                std::thread::sleep(Duration::from_millis(1));
            }
            if reader.is_finished() {
                let _ = reader.join();
            }
        }
        let bytes: Vec<u8> = match self.tail.lock() {
            Ok(t) => t.iter().copied().collect(),
            Err(_) => Vec::new(),
        };
        String::from_utf8_lossy(&bytes).trim().to_string()
    }

    /// Ends the client (closing its stdin first, so a client that was told to stop can exit on its own within
    /// `grace`), kills what is left and reaps it.
    pub fn close(&mut self, grace: Duration) {
        self.input = None;
        if self.status.is_none() && self.wait_for(grace).is_none() {
            self.kill();
        }
        if let Some((cancel, watchdog)) = self.watchdog.take() {
            let _ = cancel.send(());
            let _ = watchdog.join();
        }
    }
}

impl Drop for ClientProcess {
    fn drop(&mut self) {
        self.close(Duration::ZERO);
    }
}

/// `exited with status 3` or `was killed by signal 9`.
pub fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return format!("was killed by signal {signal}");
    }
    format!("ended ({status})")
}
