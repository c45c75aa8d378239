//! [`FrameTap`]: a wrapper under the h2 library that notes the HTTP/2 frames crossing a
//! connection, both ways, into a shared [`FrameLog`].
//!
//! The library decodes SETTINGS, PING and GOAWAY and keeps them to itself; a diagnosis needs
//! them (which SETTINGS the server sent, which GOAWAY ended a stream). Reading them off the
//! bytes costs a header parse per frame and no extra system call.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

use super::error::{H2Error, H2ErrorFrame};
use super::frames::{Body, Frame, FrameReader};
use crate::core::event::frame::Dir;

/// Frames kept until [`FrameLog::take`] drains them; a peer flooding PINGs or SETTINGS must
/// not grow memory without bound (DATA and HEADERS frames are only counted).
pub const KEPT_FRAMES: usize = 4096;

/// One frame as it crossed the wire, with its direction and time (the time it was read or
/// written whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameRecord {
    pub dir: Dir,
    pub at: Instant,
    pub frame: Frame,
}

#[derive(Debug, Default)]
struct LogInner {
    frames: Vec<FrameRecord>,
    dropped: u64,
    peer_settings: Option<Vec<(u16, u32)>>,
    peer_goaway: Option<H2Error>,
    /// The first bytes the peer sent (up to [`FIRST_BYTES`]), to tell an HTTP/1.1 answer to
    /// the connection preface from HTTP/2.
    first_in: Vec<u8>,
}

/// How many of the peer's first bytes are kept.
pub const FIRST_BYTES: usize = 64;

/// What a [`FrameTap`] saw: every frame but DATA and a stream's WINDOW_UPDATE (so SETTINGS,
/// PING, GOAWAY, WINDOW_UPDATE on stream 0, HEADERS, RST_STREAM) in wire order, the peer's first SETTINGS, and the peer's GOAWAY.
/// Cheap to clone; clones share the log.
#[derive(Debug, Clone, Default)]
pub struct FrameLog(Arc<Mutex<LogInner>>);

impl FrameLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, LogInner> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the frames recorded since the last call, and how many were dropped beyond
    /// [`KEPT_FRAMES`].
    pub fn take(&self) -> (Vec<FrameRecord>, u64) {
        let mut inner = self.lock();
        (std::mem::take(&mut inner.frames), std::mem::take(&mut inner.dropped))
    }

    /// The parameters of the peer's first non-ACK SETTINGS frame (RFC 9113 §6.5), in wire order,
    /// once it has arrived.
    pub fn peer_settings(&self) -> Option<Vec<(u16, u32)>> {
        self.lock().peer_settings.clone()
    }

    /// The first bytes the peer sent (at most [`FIRST_BYTES`]).
    pub fn first_bytes(&self) -> Vec<u8> {
        self.lock().first_in.clone()
    }

    fn note_bytes(&self, bytes: &[u8]) {
        let mut inner = self.lock();
        let room = FIRST_BYTES - inner.first_in.len();
        if room > 0 {
            inner.first_in.extend_from_slice(&bytes[..room.min(bytes.len())]);
        }
    }

    /// The GOAWAY the peer sent, if any (RFC 9113 §6.8).
    pub fn peer_goaway(&self) -> Option<H2Error> {
        self.lock().peer_goaway
    }

    fn note(&self, dir: Dir, frame: Frame) {
        let mut inner = self.lock();
        match (&frame.body, dir) {
            (Body::Settings(params), Dir::In) if !frame.is_ack() && inner.peer_settings.is_none() => {
                inner.peer_settings = Some(params.clone());
            }
            // A GOAWAY with an error code is kept over the NO_ERROR one that may follow it.
            (Body::GoAway { code, .. }, Dir::In)
                if inner.peer_goaway.is_none_or(|g| g.reason == h2::Reason::NO_ERROR) =>
            {
                let reason = h2::Reason::from(*code);
                inner.peer_goaway = Some(H2Error { frame: H2ErrorFrame::GoAway, reason, by_peer: true });
            }
            _ => {}
        }
        // DATA frames carry the WebSocket frames (the session's own tap reports those), and a
        // stream's WINDOW_UPDATEs follow them; every other frame is kept.
        let stream_flow = frame.kind == 0 || (frame.kind == 8 && frame.stream != 0);
        if stream_flow {
            return;
        }
        if inner.frames.len() < KEPT_FRAMES {
            inner.frames.push(FrameRecord { dir, at: Instant::now(), frame });
        } else {
            inner.dropped += 1;
        }
    }
}

/// An `AsyncRead + AsyncWrite` wrapper that records the HTTP/2 frames passing through it into
/// a [`FrameLog`]. Put it between the transport (TCP, TLS, a proxy tunnel) and the h2
/// library.
#[derive(Debug)]
pub struct FrameTap<S> {
    inner: S,
    log: FrameLog,
    reader_in: FrameReader,
    reader_out: FrameReader,
    /// The peer's first bytes have been kept.
    seen_in: bool,
}

impl<S> FrameTap<S> {
    /// A tap for the client end: the bytes it writes start with the connection preface.
    pub fn client(inner: S, log: FrameLog) -> Self {
        FrameTap {
            inner,
            log,
            reader_in: FrameReader::new(false),
            reader_out: FrameReader::new(true),
            seen_in: false,
        }
    }

    /// A tap for the server end: the bytes it reads start with the connection preface.
    pub fn server(inner: S, log: FrameLog) -> Self {
        FrameTap {
            inner,
            log,
            reader_in: FrameReader::new(true),
            reader_out: FrameReader::new(false),
            seen_in: false,
        }
    }

    /// The transport under the tap.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for FrameTap<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        let log = &this.log;
        let new = &buf.filled()[before..];
        if !this.seen_in {
            this.seen_in = new.len() >= FIRST_BYTES;
            log.note_bytes(new);
        }
        this.reader_in.feed(new, &mut |frame| log.note(Dir::In, frame));
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FrameTap<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        let log = &this.log;
        this.reader_out.feed(&buf[..n], &mut |frame| log.note(Dir::Out, frame));
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
