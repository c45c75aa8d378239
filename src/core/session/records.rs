//! What the tap and the permessage-deflate layer record, turned into the session's frame events
//! and its counts of bytes on the wire.

use super::Session;
use crate::core::event::{Dir, EventSink, LinkStats, Traffic};
use crate::core::wire::tap::{drain, TapRecord};

impl Session {
    /// Traffic one way, with the bytes that crossed the wire when permessage-deflate is on.
    pub fn traffic(&self, dir: Dir) -> Traffic {
        let (mut t, i) = match dir {
            Dir::In => (self.received, 0),
            Dir::Out => (self.sent, 1),
        };
        t.wire_bytes = self.saved.map(|s| u64::try_from(t.bytes as i64 - s[i]).unwrap_or(0));
        t
    }

    /// The traffic both ways and the connection's age, for a `stats` event.
    pub fn link_stats(&self) -> LinkStats {
        LinkStats { sent: self.traffic(Dir::Out), received: self.traffic(Dir::In), connected: self.age() }
    }

    /// Marks permessage-deflate as agreed: traffic is then counted on the wire too.
    pub fn set_deflate(&mut self, on: bool) {
        self.saved = on.then_some([0, 0]);
    }

    /// Emits frame events the tap recorded since the last call, and keeps the payload of the
    /// peer's close frame as it crossed the wire.
    pub fn drain_tap(&mut self, sink: &mut dyn EventSink) {
        self.drain_http2(sink);
        let mut records: Vec<TapRecord> = drain(&mut self.tap).collect();
        // The last frame of each compressed message received in this batch, in order: the
        // deflate layer reports their sizes after the tap reported the frames.
        let mut awaiting = std::collections::VecDeque::new();
        for i in 0..records.len() {
            match &mut records[i] {
                TapRecord::Frame(f) if f.dir == Dir::In && f.opcode <= 0x2 => {
                    if f.rsv[0] && f.opcode != 0x0 {
                        self.compressed_in = true;
                    }
                    if f.fin && std::mem::take(&mut self.compressed_in) {
                        awaiting.push_back(i);
                    }
                }
                TapRecord::Frame(f) if f.dir == Dir::Out && f.rsv[0] && f.opcode <= 0x2 => {
                    f.inflated = self.deflated_out.pop_front();
                }
                TapRecord::Deflate { dir, wire, inflated } => {
                    let (dir, wire, inflated) = (*dir, *wire, *inflated);
                    if let Some(saved) = self.saved.as_mut() {
                        saved[usize::from(dir == Dir::Out)] += inflated as i64 - wire as i64;
                    }
                    match dir {
                        // A sent message's size is reported before its frame.
                        Dir::Out => self.deflated_out.push_back(inflated),
                        Dir::In => {
                            if let Some(TapRecord::Frame(f)) = awaiting.pop_front().map(|j| &mut records[j]) {
                                f.inflated = Some(inflated);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for rec in records {
            match rec {
                TapRecord::Frame(f) => self.observe_frame(f, sink),
                TapRecord::Eof { mid_frame } => self.eof_mid_frame = mid_frame,
                _ => {}
            }
        }
    }
}
