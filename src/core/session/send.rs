//! The sending side of a session: data, pings, pongs, closes by request and crafted frames,
//! each reported as an event and queued in the outbox (written before the next read).

use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use super::{parse_seq, Outgoing, Session, CLOSE_TIMEOUT, PING_PREFIX};
use crate::core::event::{CloseInfo, Data, Dir, EventKind, EventSink, FrameRecord, Side};

impl Session {
    /// Sends anything a driver can ask for, and reports it as events.
    pub fn submit(&mut self, out: Outgoing, sink: &mut dyn EventSink) {
        match out {
            Outgoing::Data(data) => self.send(data, sink),
            Outgoing::Ping(payload) => {
                let seq = parse_seq(&payload);
                self.emit(sink, EventKind::Ping { dir: Dir::Out, payload: payload.clone(), seq });
                self.queue(Message::Ping(payload));
            }
            Outgoing::TimedPing(None) => self.ping(sink),
            Outgoing::TimedPing(Some(payload)) => self.ping_with(payload, sink),
            Outgoing::Pong(payload) => {
                let pong = EventKind::Pong {
                    dir: Dir::Out,
                    payload: payload.clone(),
                    seq: None,
                    rtt: None,
                    late: false,
                    expected: Vec::new(),
                };
                self.emit(sink, pong);
                self.queue(Message::Pong(payload));
            }
            Outgoing::Close(status) => self.close_with(status, sink),
            Outgoing::Frame(raw) => {
                if !self.tap_cfg.frames {
                    // The tap records no frames here: report the crafted one ourselves.
                    let preview_max =
                        if raw.opcode >= 0x8 { raw.payload.len() } else { self.tap_cfg.preview };
                    let record = FrameRecord {
                        dir: Dir::Out,
                        at: Instant::now(),
                        fin: raw.fin,
                        rsv: raw.rsv,
                        opcode: raw.opcode & 0x0F,
                        masked: self.local == Side::Client,
                        len: raw.payload.len() as u64,
                        preview: raw.payload[..raw.payload.len().min(preview_max)].to_vec(),
                        inflated: None,
                    };
                    self.emit(sink, EventKind::Frame(record));
                }
                // A crafted ping is answered like any other: its pong is matched, not
                // "unmatched". Crafted data frames count as sent: their bytes, and a message
                // when one ends (FIN).
                if raw.opcode & 0x0F == 0x9 {
                    self.remember_ping(raw.payload.clone());
                } else if raw.opcode & 0x0F < 0x8 {
                    self.sent.bytes += raw.payload.len() as u64;
                    self.sent.messages += u64::from(raw.fin);
                }
                self.queue(Message::Frame(raw.to_frame()));
            }
        }
    }

    /// Sends a whole data message; it counts in `sent` once it was handed to the protocol
    /// layer (what is still queued when the connection ends is not counted).
    pub fn send(&mut self, data: Data, sink: &mut dyn EventSink) {
        if sink.wants_data() {
            self.emit(sink, EventKind::Message { dir: Dir::Out, data: data.clone() });
        }
        // Moved, not copied, to the protocol layer.
        let msg = match data {
            Data::Text(t) => Message::Text(t),
            Data::Binary(b) => Message::Binary(b),
        };
        self.out.push(msg, true);
    }

    /// Sends a ping whose payload carries a sequence number; its pong yields an RTT.
    pub fn ping(&mut self, sink: &mut dyn EventSink) {
        let seq = self.pings.sent(Instant::now());
        let payload = Bytes::from(format!("{PING_PREFIX}{seq}"));
        self.emit(sink, EventKind::Ping { dir: Dir::Out, payload: payload.clone(), seq: Some(seq) });
        self.queue(Message::Ping(payload));
    }

    /// Sends a ping with a chosen payload; a pong with the same payload reports its RTT on
    /// the `Pong` event (the ping statistics count only sequence-numbered pings). At most the
    /// 32 latest are remembered.
    pub fn ping_with(&mut self, payload: Bytes, sink: &mut dyn EventSink) {
        self.remember_ping(payload.clone());
        self.submit(Outgoing::Ping(payload), sink);
    }

    /// Remembers a ping of a chosen payload, so its pong is matched and timed.
    fn remember_ping(&mut self, payload: Bytes) {
        if self.chosen_pings.len() == 32 {
            self.chosen_pings.pop_front();
        }
        self.chosen_pings.push_back((payload, Instant::now()));
    }

    /// Starts the closing handshake with a status code and reason.
    pub fn close(&mut self, code: u16, reason: &str, sink: &mut dyn EventSink) {
        self.close_with(Some((code, reason.to_string())), sink);
    }

    /// Starts the closing handshake; `None` sends a close frame with no status code.
    pub fn close_with(&mut self, status: Option<(u16, String)>, sink: &mut dyn EventSink) {
        if self.close.is_none() {
            let (code, reason) = match &status {
                Some((code, reason)) => (Some(*code), reason.clone()),
                None => (None, String::new()),
            };
            let info = CloseInfo { by: self.local, code, reason };
            self.close = Some(info.clone());
            self.emit(sink, EventKind::Close { close: info, reply: false });
        }
        self.close_deadline.get_or_insert(Instant::now() + CLOSE_TIMEOUT);
        let frame =
            status.map(|(code, reason)| CloseFrame { code: CloseCode::from(code), reason: reason.into() });
        self.queue(Message::Close(frame));
    }
}
