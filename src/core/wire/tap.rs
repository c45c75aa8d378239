//! The wire tap: an `AsyncRead + AsyncWrite` wrapper that records exactly what crossed the wire,
//! the HTTP heads of the handshake as raw bytes and every frame after it, without extra syscalls.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub use crate::core::net::http::find_head_end;
use crate::core::wire::frame_log::{Dir, FrameParser, FrameRecord};

/// Largest HTTP head kept, and largest body of a non-101 reply kept.
pub const HEAD_MAX: usize = 64 * 1024;
pub const BODY_MAX: usize = 64 * 1024;
/// Payload bytes kept per data frame for display.
pub const FRAME_PREVIEW: usize = 256;

type Sender = Records;

/// Records waiting to be read. A plain vector behind a lock, with a flag to skip the lock
/// when nothing is waiting: it allocates nothing until a record arrives, which matters for a
/// server holding thousands of idle connections.
#[derive(Debug, Default)]
pub struct RecordQueue {
    pending: AtomicBool,
    items: Mutex<Vec<TapRecord>>,
}

impl RecordQueue {
    pub(crate) fn push(&self, record: TapRecord) {
        if let Ok(mut items) = self.items.lock() {
            items.push(record);
            self.pending.store(true, Ordering::Release);
        }
    }

    fn take(&self) -> Vec<TapRecord> {
        if !self.pending.swap(false, Ordering::Acquire) {
            return Vec::new();
        }
        self.items.lock().map(|mut items| std::mem::take(&mut *items)).unwrap_or_default()
    }
}

/// Where a tap's records arrive, in the order they were seen per direction.
pub type Records = Arc<RecordQueue>;

/// The records available now, without waiting.
pub fn drain(rx: &mut Records) -> impl Iterator<Item = TapRecord> {
    rx.take().into_iter()
}

/// Something the tap saw.
#[derive(Debug, Clone)]
pub enum TapRecord {
    /// An HTTP request or response head, up to and including the blank line (`complete` is
    /// false when the stream ended or overflowed before the blank line).
    Head {
        dir: Dir,
        raw: Vec<u8>,
        at: Instant,
        complete: bool,
    },
    /// Body bytes after a non-101 response head (bounded by `BODY_MAX` in total).
    Body {
        dir: Dir,
        raw: Vec<u8>,
    },
    Frame(FrameRecord),
    /// The peer closed its side of TCP; `mid_frame` when it did so inside a frame.
    Eof {
        mid_frame: bool,
    },
    /// A message compressed by permessage-deflate: `wire` payload bytes crossed the wire for
    /// `inflated` bytes of message (reported by the deflate layer, after the tap's frame
    /// record for a received message and before it for a sent one).
    Deflate {
        dir: Dir,
        wire: u64,
        inflated: u64,
    },
}

/// What the tap records beyond the handshake.
#[derive(Debug, Clone, Copy)]
pub struct TapConfig {
    /// Parse and report frames (costs a header parse per frame and a bounded preview copy).
    pub frames: bool,
    /// Payload bytes kept per data frame.
    pub preview: usize,
}

#[derive(Debug)]
enum Phase {
    Head(Vec<u8>),
    Frames(FrameParser),
    Body(usize),
    Ignore,
}

#[derive(Debug)]
struct DirTap {
    dir: Dir,
    phase: Phase,
}

impl DirTap {
    fn observe(&mut self, mut data: &[u8], cfg: TapConfig, tx: &Sender) {
        let at = Instant::now();
        while !data.is_empty() {
            match &mut self.phase {
                Phase::Head(buf) => {
                    // The blank line may straddle reads: search from 3 bytes before the new data.
                    let from = buf.len().saturating_sub(3);
                    buf.extend_from_slice(data);
                    data = &[];
                    if let Some(end) = find_head_end(&buf[from..]).map(|e| e + from) {
                        let rest = buf.split_off(end);
                        let head = std::mem::take(buf);
                        let next = next_phase(&head, self.dir, cfg);
                        tx.push(TapRecord::Head { dir: self.dir, raw: head, at, complete: true });
                        self.phase = next;
                        // Re-feed what followed the head in the same read.
                        return self.observe(&rest, cfg, tx);
                    } else if buf.len() > HEAD_MAX {
                        let head = std::mem::take(buf);
                        tx.push(TapRecord::Head { dir: self.dir, raw: head, at, complete: false });
                        self.phase = Phase::Ignore;
                    }
                }
                Phase::Frames(parser) => {
                    parser.feed(data, at, &mut |f| tx.push(TapRecord::Frame(f)));
                    data = &[];
                }
                Phase::Body(kept) => {
                    let take = (BODY_MAX - *kept).min(data.len());
                    if take > 0 {
                        tx.push(TapRecord::Body { dir: self.dir, raw: data[..take].to_vec() });
                    }
                    *kept += take;
                    data = &[];
                }
                Phase::Ignore => data = &[],
            }
        }
    }

    /// Reports a head that never completed (the peer closed mid-head).
    fn flush_partial(&mut self, tx: &Sender) {
        if let Phase::Head(buf) = &mut self.phase {
            if !buf.is_empty() {
                let raw = std::mem::take(buf);
                tx.push(TapRecord::Head { dir: self.dir, raw, at: Instant::now(), complete: false });
            }
        }
    }
}

/// After a head: frames follow a request or a 101, another head follows an interim 1xx reply
/// (RFC 9110 §15.2), a body follows any other response.
fn next_phase(head: &[u8], dir: Dir, cfg: TapConfig) -> Phase {
    let is_response = head.starts_with(b"HTTP/");
    let switching = is_response && head.get(9..12) == Some(b"101");
    let interim = is_response && !switching && head.get(9) == Some(&b'1');
    if interim {
        Phase::Head(Vec::new())
    } else if is_response && !switching {
        Phase::Body(0)
    } else if cfg.frames {
        Phase::Frames(FrameParser::new(dir, cfg.preview))
    } else if dir == Dir::In {
        // Close frames are always kept: what the peer really sent is the truth when the
        // protocol layer substitutes an invalid close code. Nothing else is copied.
        Phase::Frames(FrameParser::close_frames_only(dir))
    } else {
        Phase::Ignore
    }
}

/// Wraps a stream and records both directions into a channel.
#[derive(Debug)]
pub struct Tap<S> {
    inner: S,
    cfg: TapConfig,
    reads: DirTap,
    writes: DirTap,
    tx: Sender,
}

impl<S> Tap<S> {
    /// Wraps `inner`; the receiver yields records in the order they were seen per direction.
    pub fn new(inner: S, cfg: TapConfig) -> (Self, Records) {
        let tx = Records::default();
        let rx = tx.clone();
        let tap = Tap {
            inner,
            cfg,
            reads: DirTap { dir: Dir::In, phase: Phase::Head(Vec::new()) },
            writes: DirTap { dir: Dir::Out, phase: Phase::Head(Vec::new()) },
            tx,
        };
        (tap, rx)
    }

    /// Wraps a stream whose opening handshake is already done: frames from the first byte.
    pub fn upgraded(inner: S, cfg: TapConfig) -> (Self, Records) {
        let (mut tap, rx) = Tap::new(inner, cfg);
        tap.reads.phase = next_phase(b"GET", Dir::In, cfg);
        tap.writes.phase = next_phase(b"GET", Dir::Out, cfg);
        (tap, rx)
    }

    /// Emits any incomplete head, for a peer that stopped mid-handshake.
    pub fn flush_partial(&mut self) {
        self.reads.flush_partial(&self.tx);
        self.writes.flush_partial(&self.tx);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let res = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            let new = &buf.filled()[before..];
            if !new.is_empty() {
                this.reads.observe(new, this.cfg, &this.tx);
            } else if let Phase::Frames(parser) = &this.reads.phase {
                this.tx.push(TapRecord::Eof { mid_frame: parser.mid_frame() });
            }
        } else if let (Poll::Ready(Err(e)), Phase::Frames(parser)) = (&res, &this.reads.phase) {
            // TLS reports a TCP close without close_notify as an error, not as end of stream.
            if e.kind() == io::ErrorKind::UnexpectedEof {
                this.tx.push(TapRecord::Eof { mid_frame: parser.mid_frame() });
            }
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let res = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = res {
            if n > 0 {
                this.writes.observe(&buf[..n], this.cfg, &this.tx);
            }
        }
        res
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn splits_heads_from_frames_across_reads() {
        let (client, mut server) = tokio::io::duplex(7);
        let cfg = TapConfig { frames: true, preview: 32 };
        let (mut tap, mut rx) = Tap::new(client, cfg);
        let reply =
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi\x88\x02\x03\xe8";
        let writer = tokio::spawn(async move {
            let mut req = [0u8; 25];
            server.read_exact(&mut req).await.unwrap();
            server.write_all(reply).await.unwrap();
            req
        });
        tap.write_all(b"GET / HTTP/1.1\r\nA: b\r\n\r\n\x81").await.unwrap();
        let mut got = vec![0u8; reply.len()];
        tap.read_exact(&mut got).await.unwrap();
        writer.await.unwrap();
        let recs: Vec<TapRecord> = drain(&mut rx).collect();
        let heads: Vec<_> = recs
            .iter()
            .filter_map(|r| match r {
                TapRecord::Head { dir, raw, complete, .. } => Some((*dir, raw.clone(), *complete)),
                _ => None,
            })
            .collect();
        assert_eq!(heads[0], (Dir::Out, b"GET / HTTP/1.1\r\nA: b\r\n\r\n".to_vec(), true));
        assert_eq!(heads[1].1, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec());
        let frames: Vec<_> = recs
            .iter()
            .filter_map(|r| match r {
                TapRecord::Frame(f) => Some((f.opcode, f.preview.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(frames, vec![(1, b"hi".to_vec()), (8, vec![0x03, 0xe8])]);
    }

    #[test]
    fn interim_heads_are_heads_and_frames_follow_the_101() {
        let cfg = TapConfig { frames: true, preview: 32 };
        let mut reads = DirTap { dir: Dir::In, phase: Phase::Head(Vec::new()) };
        let tx = Records::default();
        let mut rx = tx.clone();
        let wire: &[u8] = b"HTTP/1.1 103 Early Hints\r\nLink: <a>\r\n\r\nHTTP/1.1 101 OK\r\n\r\n\x81\x02hi";
        // In reads of 5 bytes: heads and the frame straddle them.
        for piece in wire.chunks(5) {
            reads.observe(piece, cfg, &tx);
        }
        let recs: Vec<TapRecord> = drain(&mut rx).collect();
        let heads: Vec<Vec<u8>> = recs
            .iter()
            .filter_map(|r| match r {
                TapRecord::Head { raw, .. } => Some(raw.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            heads,
            [&b"HTTP/1.1 103 Early Hints\r\nLink: <a>\r\n\r\n"[..], b"HTTP/1.1 101 OK\r\n\r\n"]
        );
        assert!(recs.iter().all(|r| !matches!(r, TapRecord::Body { .. })), "{recs:?}");
        assert!(recs.iter().any(|r| matches!(r, TapRecord::Frame(f) if f.preview == b"hi")), "{recs:?}");
    }

    #[test]
    fn a_head_ends_at_the_first_empty_line_crlf_or_bare_lf() {
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\nA: b\r\n\r\nrest"), Some(24));
        assert_eq!(find_head_end(b"GET / HTTP/1.1\nA: b\n\nrest"), Some(21));
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\nA: b\r\n"), None);
    }

    #[tokio::test]
    async fn keeps_the_body_of_a_rejection() {
        let (client, mut server) = tokio::io::duplex(64);
        let (mut tap, mut rx) = Tap::new(client, TapConfig { frames: false, preview: 0 });
        server.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope").await.unwrap();
        drop(server);
        let mut all = Vec::new();
        tap.read_to_end(&mut all).await.unwrap();
        let body: Vec<u8> = drain(&mut rx)
            .filter_map(|r| match r {
                TapRecord::Body { raw, .. } => Some(raw),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(body, b"nope");
    }
}
