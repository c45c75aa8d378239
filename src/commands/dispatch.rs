//! The one dispatcher of REPL and `--commands` lines, for `connect` and `listen` alike: what
//! both do (send, `/file`, `/help`, `/quit`) is done here; what differs is asked of the
//! `Peers` the subcommand talks to.

use crate::commands::input::read_file;
use crate::core::session::Outgoing;
use crate::repl::parse::{self, Control, Mode};

/// What a command asks of the run beyond its peers.
pub enum Effect {
    None,
    Quit,
}

/// Whom a subcommand's commands act on: `connect`'s one session, or `listen`'s clients.
/// Errors are one line, for the user.
pub trait Peers {
    /// Which subcommand this is (its `/help`).
    fn mode(&self) -> Mode;
    /// Sends to the server, or to every client.
    fn send(&mut self, out: Outgoing) -> Result<(), String>;
    /// A plain line: a message in the subcommand's input format.
    fn message(&mut self, text: String) -> Result<(), String>;
    /// `/stats`.
    fn stats(&mut self);
    /// Writes one line of notes (`/help`): above the prompt, or to stderr.
    fn note(&mut self, line: &str);
    /// The commands only one subcommand has (`/pretty`, `/verbose`, `/headers`; `/clients`,
    /// `/to`, `/kick`); the other's are refused.
    fn own(&mut self, c: Control) -> Result<(), String>;
}

/// Carries out one command on `peers`.
pub async fn dispatch(c: Control, peers: &mut impl Peers) -> Result<Effect, String> {
    match c {
        Control::Message(text) => peers.message(text)?,
        Control::Send(outs) => {
            for out in outs {
                peers.send(out)?;
            }
        }
        Control::File { path, text } => {
            let data = read_file(&path, text).await?;
            peers.send(Outgoing::Data(data))?;
        }
        Control::Stats => peers.stats(),
        Control::Help => {
            for line in parse::help(peers.mode()) {
                peers.note(line);
            }
        }
        Control::Quit => return Ok(Effect::Quit),
        own => peers.own(own)?,
    }
    Ok(Effect::None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::Bytes;

    /// Records what the dispatcher asks of it.
    #[derive(Default)]
    struct Fake {
        sent: Vec<Outgoing>,
        notes: Vec<String>,
        own: Vec<Control>,
    }

    impl Peers for Fake {
        fn mode(&self) -> Mode {
            Mode::Listen
        }
        fn send(&mut self, out: Outgoing) -> Result<(), String> {
            self.sent.push(out);
            Ok(())
        }
        fn message(&mut self, text: String) -> Result<(), String> {
            self.notes.push(format!("message {text}"));
            Ok(())
        }
        fn stats(&mut self) {
            self.notes.push("stats".into());
        }
        fn note(&mut self, line: &str) {
            self.notes.push(line.into());
        }
        fn own(&mut self, c: Control) -> Result<(), String> {
            self.own.push(c);
            Ok(())
        }
    }

    async fn run(line: &str, peers: &mut Fake) -> Effect {
        let c = parse::parse(line, Mode::Listen).unwrap();
        dispatch(c, peers).await.unwrap()
    }

    #[tokio::test]
    async fn pings_are_timed_outgoing_and_the_rest_goes_where_it_belongs() {
        let mut peers = Fake::default();
        run("/ping", &mut peers).await;
        run("/ping hi", &mut peers).await;
        run("/pong", &mut peers).await;
        assert_eq!(
            peers.sent,
            [
                Outgoing::TimedPing(None),
                Outgoing::TimedPing(Some(Bytes::from_static(b"hi"))),
                Outgoing::Pong(Bytes::new())
            ]
        );
        run("hello", &mut peers).await;
        run("/stats", &mut peers).await;
        assert_eq!(peers.notes, ["message hello", "stats"]);
        run("/kick 2", &mut peers).await;
        assert_eq!(peers.own, [Control::Kick(2, Some((1000, String::new())))]);
        run("/help", &mut peers).await;
        assert_eq!(peers.notes.len(), 2 + parse::help(Mode::Listen).len());
        assert!(matches!(run("/quit", &mut peers).await, Effect::Quit));
    }
}
