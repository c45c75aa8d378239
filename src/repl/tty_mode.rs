//! The terminal's mode, saved when the REPL starts and restored when it ends, also when the
//! connection drops while a line is being read. On Unix that is the termios attributes (the
//! line editor's raw mode) and bracketed paste; a Windows console's mode is put back by the
//! line editor itself, and nothing is saved here.

/// The mode the terminal had before the REPL.
pub(super) struct SavedMode(platform::Saved);

impl SavedMode {
    /// Reads the terminal's mode now.
    pub(super) fn save() -> Self {
        SavedMode(platform::save())
    }

    /// Puts the saved mode back and clears the prompt line of a read still in progress.
    pub(super) fn restore(&self) {
        platform::restore(&self.0);
    }
}

#[cfg(unix)]
mod platform {
    use std::io::{self, Write};

    pub(super) type Saved = Option<libc::termios>;

    pub(super) fn save() -> Saved {
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: tcgetattr writes a termios for a valid descriptor; failure leaves it unused.
        (unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut saved) } == 0).then_some(saved)
    }

    pub(super) fn restore(saved: &Saved) {
        if let Some(t) = saved {
            // SAFETY: restores the attributes read from the same descriptor at start.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, t);
            }
        }
        // Bracketed paste off (the line editor turns it on while it reads).
        let mut out = io::stdout();
        let _ = out.write_all(b"\x1b[?2004l\r\x1b[K");
        let _ = out.flush();
    }
}

#[cfg(not(unix))]
mod platform {
    use std::io::{self, Write};

    pub(super) struct Saved;

    pub(super) fn save() -> Saved {
        Saved
    }

    pub(super) fn restore(_saved: &Saved) {
        // The line editor restores the console mode; clear what is left of the prompt.
        let mut out = io::stdout();
        let _ = out.write_all(b"\r");
        let _ = out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_and_restoring_without_a_terminal_is_harmless() {
        // Under the test harness stdin is not a terminal: nothing is saved, restore only
        // writes the clearing sequence.
        let saved = SavedMode::save();
        saved.restore();
    }
}
