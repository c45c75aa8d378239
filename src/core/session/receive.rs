//! The reading side of a session: what the peer sent, the close handshake as it crossed the
//! wire (codes the protocol layer would replace are reported as sent), and the typed ending.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};

use super::stats::PongMatch;
use super::wait::until;
use super::writer::{io_ending, Outbox};
use super::{parse_seq, Deadline, End, Ending, Incoming, Limit, Session, Ws, CLOSE_TIMEOUT, QUEUE_BYTES};
use crate::core::event::{CloseInfo, Data, Dir, Event, EventKind, EventSink, Traffic};
use crate::core::wire::close;
use crate::core::wire::deflate::DeflateFailure;

/// What one poll of the connection produced.
enum Step {
    Item(Option<Result<Message, WsError>>),
    /// A write failed during this poll: poll again, with the grace period running.
    Again,
}

/// What the peer sent: a message, an error, or the end of the stream.
type Item = Option<Result<Message, WsError>>;

/// How long reads go on after a failed write, for what the peer sent before it went away.
const WRITE_FAILED_GRACE: std::time::Duration = std::time::Duration::from_millis(200);

/// One poll of the connection. Writes first: what was queued goes out before anything that
/// arrives next is processed (the protocol layer answers a close at once and refuses data after
/// it). `failed_before`: a write had already failed before this read began.
#[inline]
fn poll_step(
    out: &mut Outbox,
    ws: &mut Ws,
    sent: &mut Traffic,
    pace: bool,
    failed_before: bool,
    cx: &mut Context<'_>,
) -> Poll<Step> {
    // Queued messages are handed over before the read; flushed when input runs dry.
    let fed = out.poll_feed(ws, sent, cx);
    if pace && out.failure.is_none() {
        // Back-pressure: read again once the peer has taken some of its echoes. Not
        // while any wait to be handed over: a FIN read now would end the protocol
        // layer's writing with them still queued.
        if fed.is_pending() || (out.queued >= QUEUE_BYTES && out.poll_flush(ws, cx).is_pending()) {
            return Poll::Pending;
        }
    }
    let failed = out.failure.is_some();
    match Pin::new(&mut *ws).poll_next(cx) {
        Poll::Ready(item) => Poll::Ready(Step::Item(item)),
        Poll::Pending if failed && !failed_before => Poll::Ready(Step::Again),
        Poll::Pending if failed => Poll::Pending,
        Poll::Pending => {
            let _ = out.poll_flush(ws, cx);
            // A write that failed just now starts the grace period.
            if out.failure.is_some() {
                Poll::Ready(Step::Again)
            } else {
                Poll::Pending
            }
        }
    }
}

impl Session {
    /// Waits for what the peer sends next and reports it. Cancel-safe: the stream's own
    /// `next`, a notification and a sleep are all it awaits before something is returned,
    /// and an ending is recorded before anything else is awaited.
    pub async fn next(&mut self, sink: &mut dyn EventSink) -> Incoming {
        if let Some(end) = &self.end {
            return Incoming::Ended(end.clone());
        }
        // A peer that keeps sending must not keep the closing handshake open past its bound.
        if self.close_deadline.is_some_and(|d| Instant::now() >= d) {
            return self.close_deadline_passed(sink);
        }
        if self.gate.as_ref().is_some_and(|g| g.full()) && Box::pin(self.wait_for_room()).await {
            return self.close_deadline_passed(sink);
        }
        let item = match self.read_item(sink).await {
            Ok(item) => item,
            Err(ended) => return ended,
        };
        self.drain_tap(sink);
        // After a failed write, the read side's end (often a plain EOF: the socket reports a
        // reset once, to the write) is the write failure's.
        if let (Some(failure), None | Some(Err(_))) = (self.write_failure(), &item) {
            return self.finish(failure, sink);
        }
        self.received(item, sink).await
    }

    /// Polls the connection until the peer's next item arrives; `Err` with the ending when the
    /// session ended first (no stream, the write failure's grace period, the close deadline).
    async fn read_item(&mut self, sink: &mut dyn EventSink) -> Result<Item, Incoming> {
        loop {
            // After a failed write, what the peer sent before may still be on its way up
            // (the socket's read readiness can trail the write error): read it for a moment.
            let grace = self.out.failed_at.map(|t| t + WRITE_FAILED_GRACE);
            let Some(ws) = self.ws.as_mut() else {
                return Err(self.finish(Ending::Local, sink));
            };
            let (out, sent, pace) = (&mut self.out, &mut self.sent, self.pace_reads);
            let failed_before = out.failure.is_some();
            let step = std::future::poll_fn(|cx| poll_step(out, ws, sent, pace, failed_before, cx));
            if grace.is_none() && self.close_deadline.is_none() {
                // The usual case, with no timer to race.
                match step.await {
                    Step::Item(item) => return Ok(item),
                    Step::Again => continue,
                }
            }
            tokio::select! {
                biased;
                step = step => match step {
                    Step::Item(item) => return Ok(item),
                    Step::Again => continue,
                },
                _ = until(grace), if grace.is_some() => {
                    let ending = self.write_failure().unwrap_or(Ending::Reset { on_write: true });
                    return Err(self.finish(ending, sink));
                }
                _ = until(self.close_deadline) => return Err(self.close_deadline_passed(sink)),
            }
        }
    }

    /// Reports what the peer sent.
    async fn received(&mut self, item: Item, sink: &mut dyn EventSink) -> Incoming {
        match item {
            Some(Ok(Message::Text(t))) => self.received_data(Data::Text(t), sink),
            Some(Ok(Message::Binary(b))) => self.received_data(Data::Binary(b), sink),
            Some(Ok(Message::Ping(payload))) => {
                let seq = parse_seq(&payload);
                self.emit(sink, EventKind::Ping { dir: Dir::In, payload, seq });
                Incoming::Control
            }
            Some(Ok(Message::Pong(payload))) => self.received_pong(payload, sink),
            Some(Ok(Message::Close(frame))) => {
                self.peer_close(frame, sink);
                Incoming::Control
            }
            Some(Ok(Message::Frame(_))) => Incoming::Control,
            Some(Err(e)) => self.read_failed(e, sink).await,
            None => {
                let ending = self.stream_ended();
                let ended = self.finish(ending, sink);
                // A peer that half-closed may still read: what was queued goes out first.
                self.flushed(CLOSE_TIMEOUT).await;
                ended
            }
        }
    }

    /// A pong: matched to its ping, with the round trip time when it was.
    fn received_pong(&mut self, payload: Bytes, sink: &mut dyn EventSink) -> Incoming {
        let seq = parse_seq(&payload);
        // A pong to a ping with a chosen payload is matched here, not in the statistics.
        let chosen = if seq.is_none() { self.chosen_pong(&payload) } else { None };
        let matched =
            if chosen.is_some() { PongMatch::Unmatched } else { self.pings.pong(seq, Instant::now()) };
        let (rtt, late) = match matched {
            PongMatch::Matched { rtt, .. } => (Some(rtt), false),
            PongMatch::Late { .. } => (None, true),
            PongMatch::Unmatched => (chosen, false),
        };
        let expected = if matched == PongMatch::Unmatched && chosen.is_none() {
            self.waiting_pings()
        } else {
            Vec::new()
        };
        self.emit(sink, EventKind::Pong { dir: Dir::In, payload, seq, rtt, late, expected });
        if let PongMatch::Matched { seq, rtt } = matched {
            self.emit(sink, EventKind::Rtt { seq: Some(seq), rtt });
        }
        Incoming::Pong(matched)
    }

    /// Reading failed: the close frame the error calls for goes out, then the ending.
    async fn read_failed(&mut self, e: WsError, sink: &mut dyn EventSink) -> Incoming {
        let utf8 = matches!(e, WsError::Utf8(_));
        let inflate = match &e {
            WsError::Io(io) => DeflateFailure::of(io)
                .is_some_and(|f| matches!(f, DeflateFailure::Violation { code: 1007, .. })),
            _ => false,
        };
        let ending = self.ending_of(e);
        // The close frame RFC 6455 §7.4.1 names, before TCP is closed: 1009 for our
        // limit, 1007 for invalid UTF-8 or compressed data that does not inflate, 1002 for
        // any other violation.
        let status = match &ending {
            Ending::LocalLimit(_) => Some((1009, "message too big")),
            Ending::Violation { .. } if utf8 => Some((1007, "invalid UTF-8")),
            Ending::Violation { .. } if inflate => Some((1007, "invalid compressed data")),
            Ending::Violation { .. } => Some((1002, "protocol error")),
            _ => None,
        };
        let status = status.filter(|_| self.close.is_none());
        if let Some((code, reason)) = status {
            self.close(code, reason, sink);
        }
        // Recorded before the wait, so a cancelled wait loses nothing.
        let ended = self.finish(ending, sink);
        self.flushed(CLOSE_TIMEOUT).await;
        ended
    }

    /// While the output backlog is full: reads wait, writes already queued still go out.
    /// True when the close deadline passed meanwhile.
    async fn wait_for_room(&mut self) -> bool {
        let (Some(gate), Some(ws)) = (self.gate.clone(), self.ws.as_mut()) else { return false };
        let (out, sent, deadline) = (&mut self.out, &mut self.sent, self.close_deadline);
        let room = gate.room();
        tokio::pin!(room);
        let mut writing = true;
        loop {
            tokio::select! {
                biased;
                _ = &mut room => return false,
                _ = std::future::poll_fn(|cx| out.poll_write(ws, sent, cx)), if writing => writing = false,
                _ = until(deadline) => return true,
            }
        }
    }

    /// The close deadline passed: the handshake is over as far as it got.
    fn close_deadline_passed(&mut self, sink: &mut dyn EventSink) -> Incoming {
        self.drain_tap(sink);
        let ending = if self.peer_closed { self.closed_ending() } else { Ending::TimedOut(Deadline::Close) };
        self.finish(ending, sink)
    }

    /// The peer's close frame: report the code and reason that crossed the wire (the
    /// protocol layer replaces a code that must not be sent with 1002).
    fn peer_close(&mut self, frame: Option<CloseFrame>, sink: &mut dyn EventSink) {
        self.peer_closed = true;
        let (code, reason, bytes) = match self.wire_close.take() {
            Some(p) if p.len() >= 2 => {
                let code = u16::from_be_bytes([p[0], p[1]]);
                (Some(code), String::from_utf8_lossy(&p[2..]).into_owned(), p)
            }
            Some(p) => (None, String::new(), p),
            None => match frame {
                Some(f) => (Some(u16::from(f.code)), f.reason.to_string(), Vec::new()),
                None => (None, String::new(), Vec::new()),
            },
        };
        if let Some(c) = code.filter(|c| !close::sendable(*c)) {
            let seen = self.clock.elapsed();
            self.violation = Some((
                Ending::Violation {
                    rule: format!(
                        "close code {c} ({}) must not be sent in a close frame (RFC 6455 §7.4)",
                        close::name(c)
                    ),
                    bytes,
                },
                seen,
            ));
        }
        let info = CloseInfo { by: self.local.other(), code, reason };
        let reply = self.close.is_some();
        if !reply {
            self.close = Some(info.clone());
        }
        self.emit(sink, EventKind::Close { close: info, reply });
        // Our answer goes out with the next read; then the TCP close may take this long.
        self.close_deadline = Some(Instant::now() + CLOSE_TIMEOUT);
    }

    /// The ending of a completed close handshake: who closed first, with what.
    fn closed_ending(&self) -> Ending {
        match &self.close {
            Some(c) => Ending::Closed { code: c.code, reason: c.reason.clone() },
            None => Ending::Closed { code: None, reason: String::new() },
        }
    }

    /// The stream ended (TCP closed, or the protocol layer finished the handshake).
    fn stream_ended(&mut self) -> Ending {
        if self.peer_closed {
            return self.closed_ending();
        }
        Ending::PeerFin { mid_frame: self.eof_mid_frame }
    }

    fn ending_of(&mut self, e: WsError) -> Ending {
        use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
        match e {
            WsError::ConnectionClosed | WsError::AlreadyClosed => self.stream_ended(),
            WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
                Ending::PeerFin { mid_frame: self.eof_mid_frame }
            }
            WsError::Protocol(ProtocolError::InvalidCloseSequence) => Ending::Violation {
                rule: "a close frame with a 1-byte payload (RFC 6455 §5.5.1)".into(),
                bytes: self.wire_close.take().filter(|b| b.len() == 1).unwrap_or_default(),
            },
            // TLS without close_notify ends like this: after a close handshake, that is its end.
            WsError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => self.stream_ended(),
            WsError::Io(io) => match DeflateFailure::of(&io) {
                Some(DeflateFailure::Violation { rule, bytes, .. }) => {
                    Ending::Violation { rule: rule.clone(), bytes: bytes.clone() }
                }
                Some(DeflateFailure::TooBig { size, max }) => {
                    Ending::LocalLimit(Limit::MessageSize { size: *size, max: *max })
                }
                None => io_ending(&io),
            },
            WsError::Protocol(p) => Ending::Violation { rule: protocol_rule(&p), bytes: Vec::new() },
            WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
                Ending::LocalLimit(Limit::MessageSize { size, max: max_size })
            }
            WsError::Capacity(c) => Ending::Violation { rule: c.to_string(), bytes: Vec::new() },
            // Which it was: a close reason whose bytes the tap saw, or else a text message (a
            // close frame read in the same burst may follow a text message that broke it; the
            // protocol layer reports the first fault, and the close comes after).
            WsError::Utf8(_) => match self
                .wire_close
                .take()
                .filter(|b| b.get(2..).is_some_and(|r| std::str::from_utf8(r).is_err()))
            {
                Some(bytes) => Ending::Violation {
                    rule: format!(
                        "a close reason that is not UTF-8: \"{}\" (RFC 6455 §5.5.1, §8.1)",
                        text_or_hex(&bytes[2..])
                    ),
                    bytes,
                },
                None => Ending::Violation {
                    rule: "invalid UTF-8 in a text message (RFC 6455 §8.1)".into(),
                    bytes: Vec::new(),
                },
            },
            other => Ending::Violation { rule: other.to_string(), bytes: Vec::new() },
        }
    }

    /// Records and reports the ending. A violation seen earlier (while the closing handshake
    /// went on) is the ending, with the time it was seen.
    pub(super) fn finish(&mut self, ending: Ending, sink: &mut dyn EventSink) -> Incoming {
        let (ending, t) = match self.violation.take() {
            Some((v, seen)) => (v, seen),
            None => (ending, self.clock.elapsed()),
        };
        let party = match &ending {
            Ending::Closed { .. } => self.close.as_ref().map_or(self.local.other(), |c| c.by),
            Ending::LocalLimit(_) | Ending::Local => self.local,
            _ => self.local.other(),
        };
        let end = End { ending, party, t };
        self.end = Some(end.clone());
        // Stamped with the time the ending was seen.
        sink.emit(Event { t: end.t, conn: self.conn, kind: EventKind::Ended(end.clone()) });
        Incoming::Ended(end)
    }

    fn received_data(&mut self, data: Data, sink: &mut dyn EventSink) -> Incoming {
        self.received.messages += 1;
        self.received.bytes += data.len() as u64;
        if sink.wants_data() {
            self.emit(sink, EventKind::Message { dir: Dir::In, data: data.clone() });
        }
        Incoming::Message(data)
    }
}

/// Bytes a peer sent as text: valid UTF-8 as it is (`"` and `\\` escaped), every byte of an
/// invalid sequence as `\xNN`, as text previews show them (renderers escape control characters).
fn text_or_hex(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.push_str(&chunk.valid().replace('\\', "\\\\").replace('"', "\\\""));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// The rule a protocol error says the peer broke, in wsdiag's words with the RFC 6455 section
/// (the protocol layer's own text for anything else).
fn protocol_rule(p: &tokio_tungstenite::tungstenite::error::ProtocolError) -> String {
    use tokio_tungstenite::tungstenite::error::ProtocolError as P;
    match p {
        P::InvalidOpcode(op) | P::UnknownControlFrameType(op) | P::UnknownDataFrameType(op) => {
            format!("a frame with reserved opcode {op:#x} (RFC 6455 §5.2)")
        }
        P::NonZeroReservedBits => {
            "RSV bits set without a negotiated extension (RFC 6455 §5.2; RSV1 needs permessage-deflate agreed, RFC 7692 §6)".into()
        }
        P::UnmaskedFrameFromClient => "an unmasked frame from the client (RFC 6455 §5.1)".into(),
        P::MaskedFrameFromServer => "a masked frame from the server (RFC 6455 §5.1)".into(),
        P::UnexpectedContinueFrame => {
            "a continuation frame with no message to continue (RFC 6455 §5.4)".into()
        }
        P::ExpectedFragment(_) => {
            "a new data frame while a fragmented message was unfinished (RFC 6455 §5.4)".into()
        }
        P::FragmentedControlFrame => "a fragmented control frame (RFC 6455 §5.5)".into(),
        P::ControlFrameTooBig => "a control frame with more than 125 bytes of payload (RFC 6455 §5.5)".into(),
        P::ReceivedAfterClosing => "data after its own close frame (RFC 6455 §5.5.1)".into(),
        other => other.to_string(),
    }
}
