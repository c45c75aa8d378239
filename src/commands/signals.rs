//! The process signals a run reacts to: SIGINT and SIGTERM end it after a clean close,
//! SIGQUIT prints the statistics so far.

use tokio::signal::unix::{signal, Signal, SignalKind};

pub struct Signals {
    int: Option<Signal>,
    term: Option<Signal>,
    quit: Option<Signal>,
}

impl Signals {
    /// Installs the handlers; a signal that cannot be watched is simply not reacted to.
    pub fn install() -> Self {
        Signals {
            int: signal(SignalKind::interrupt()).ok(),
            term: signal(SignalKind::terminate()).ok(),
            quit: signal(SignalKind::quit()).ok(),
        }
    }

    /// Resolves on SIGINT or SIGTERM.
    pub async fn interrupted(int: &mut Option<Signal>, term: &mut Option<Signal>) {
        tokio::select! {
            Some(_) = recv(int) => {}
            Some(_) = recv(term) => {}
        }
    }

    /// The handles, borrowed apart so one `select!` can wait on each.
    pub fn parts(&mut self) -> (&mut Option<Signal>, &mut Option<Signal>, &mut Option<Signal>) {
        (&mut self.int, &mut self.term, &mut self.quit)
    }
}

/// The next delivery of a watched signal; never, for one that is not watched.
pub async fn recv(s: &mut Option<Signal>) -> Option<()> {
    match s {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}
