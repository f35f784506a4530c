//! The problem processes of one external instance: started when a run of the instance needs one and none is
//! idle, handed to one run at a time, given back when the run ends, and ended with the sweep.
//!
//! A process serves runs one after another (its start-up paid once per worker thread, not per run); the
//! runs of one instance running at the same time each have their own. A process that faulted is never
//! given back. [`Pool::release`] (at the end of every sweep) and dropping the pool end every idle process,
//! its process group killed, so no problem process outlives the sweep that started it.

use std::sync::{Arc, Mutex};

use super::server::{Announced, Launch, Server};

/// The processes of one instance.
pub struct Pool {
    launch: Launch,
    idle: Mutex<Vec<Server>>,
    /// What the first process announced: every later one must announce the same.
    announced: Mutex<Option<Arc<Announced>>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pool({:?})", self.launch.command)
    }
}

impl Pool {
    /// An empty pool of processes started as `launch` says.
    pub fn new(launch: Launch) -> Self {
        Pool {
            launch,
            idle: Mutex::new(Vec::new()),
            announced: Mutex::new(None),
        }
    }

    /// An idle process, or a new one; with what the instance's processes announce.
    pub fn checkout(&self) -> Result<(Server, Arc<Announced>), String> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let known = self.announced.lock().ok().and_then(|a| a.clone());
        if let (Some(server), Some(known)) = (idle, known.clone()) {
            return Ok((server, known));
        }
        let (mut server, announced) = Server::start(&self.launch)?;
        let mut slot = self
            .announced
            .lock()
            .map_err(|_| "the problem's pool was poisoned".to_string())?;
        match slot.as_ref() {
            Some(first) if **first != announced => {
                let what = format!(
                    "protocol violation: this process announced another problem than the instance's first \
                     process did (dim {} and its start, offers, optimum or critical points differ from dim {}): \
                     a problem process must announce the same problem every time it starts",
                    announced.dim, first.dim
                );
                Err(server.fault(&what))
            }
            Some(first) => Ok((server, first.clone())),
            None => {
                let first = Arc::new(announced);
                *slot = Some(first.clone());
                Ok((server, first))
            }
        }
    }

    /// Keeps `server` for the next run.
    pub fn give_back(&self, server: Server) {
        match self.idle.lock() {
            Ok(mut idle) => idle.push(server),
            Err(_) => server.close(),
        }
    }

    /// Ends every idle process.
    pub fn release(&self) {
        let idle: Vec<Server> = match self.idle.lock() {
            Ok(mut idle) => std::mem::take(&mut *idle),
            Err(_) => Vec::new(),
        };
        for server in idle {
            server.close();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.release();
    }
}
