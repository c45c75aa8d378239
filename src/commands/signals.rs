//! The process signals a run reacts to: SIGINT and SIGTERM end it after a clean close,
//! SIGQUIT prints the statistics so far. On Windows the console's events stand in for them:
//! Ctrl-C for SIGINT, closing the console window for SIGTERM, Ctrl-Break for SIGQUIT.

pub struct Signals {
    int: Option<Signal>,
    term: Option<Signal>,
    quit: Option<Signal>,
}

/// One watched signal (or console event).
pub struct Signal(platform::Inner);

impl Signal {
    async fn recv(&mut self) -> Option<()> {
        self.0.recv().await
    }
}

impl Signals {
    /// Installs the handlers; a signal that cannot be watched is simply not reacted to.
    pub fn install() -> Self {
        let (int, term, quit) = platform::install();
        Signals { int: int.map(Signal), term: term.map(Signal), quit: quit.map(Signal) }
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

#[cfg(unix)]
mod platform {
    use tokio::signal::unix::{signal, Signal, SignalKind};

    pub(super) struct Inner(Signal);

    impl Inner {
        pub(super) async fn recv(&mut self) -> Option<()> {
            self.0.recv().await
        }
    }

    pub(super) fn install() -> (Option<Inner>, Option<Inner>, Option<Inner>) {
        let watch = |kind| signal(kind).ok().map(Inner);
        (watch(SignalKind::interrupt()), watch(SignalKind::terminate()), watch(SignalKind::quit()))
    }
}

#[cfg(windows)]
mod platform {
    use tokio::signal::windows::{ctrl_break, ctrl_c, ctrl_close, CtrlBreak, CtrlC, CtrlClose};

    pub(super) enum Inner {
        C(CtrlC),
        Close(CtrlClose),
        Break(CtrlBreak),
    }

    impl Inner {
        pub(super) async fn recv(&mut self) -> Option<()> {
            match self {
                Inner::C(s) => s.recv().await,
                Inner::Close(s) => s.recv().await,
                Inner::Break(s) => s.recv().await,
            }
        }
    }

    pub(super) fn install() -> (Option<Inner>, Option<Inner>, Option<Inner>) {
        (
            ctrl_c().ok().map(Inner::C),
            ctrl_close().ok().map(Inner::Close),
            ctrl_break().ok().map(Inner::Break),
        )
    }
}

#[cfg(not(any(unix, windows)))]
mod platform {
    /// Ctrl-C only, through tokio's portable handler.
    pub struct Inner;

    impl Inner {
        pub async fn recv(&mut self) -> Option<()> {
            tokio::signal::ctrl_c().await.ok()
        }
    }

    pub fn install() -> (Option<Inner>, Option<Inner>, Option<Inner>) {
        (Some(Inner), None, None)
    }
}
