//! [`H2Stream`]: one HTTP/2 stream's DATA frames as `AsyncRead + AsyncWrite`.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::error::{H2Error, H2ErrorFrame};
use super::tap::FrameLog;

/// The most bytes one write asks the flow-control window for (16 KiB, the default
/// SETTINGS_MAX_FRAME_SIZE): a larger write is taken in parts, so a 1 MiB message never waits
/// for a 1 MiB window.
pub const WRITE_CHUNK: usize = 16 * 1024;

/// An HTTP/2 stream (RFC 9113 §5) as a byte stream, for a WebSocket carried by extended
/// CONNECT (RFC 8441 §5).
///
/// - Reading yields the payload of the peer's DATA frames; end of stream (END_STREAM) is end
///   of file. Flow-control window is given back (WINDOW_UPDATE) only as the reader takes the
///   bytes, so a slow reader slows the peer instead of buffering without bound.
/// - Writing sends DATA frames within the flow-control window the peer grants: a write waits
///   for window (`reserve_capacity` / `poll_capacity`) and sends at most what was granted.
/// - Shutdown sends an empty DATA frame with END_STREAM (RFC 8441 §5: the stream's close is
///   the TCP FIN's counterpart).
/// - An RST_STREAM or GOAWAY becomes an `io::Error` (`ConnectionReset`, or `BrokenPipe` for
///   NO_ERROR and CANCEL) whose inner error is an [`H2Error`] naming the frame and its error
///   code; find it with [`H2Error::find`]. A transport error after the peer's GOAWAY (the
///   peer sent GOAWAY and closed the connection) is reported as that GOAWAY when the stream
///   was given the connection's [`FrameLog`] ([`H2Stream::with_log`]).
#[derive(Debug)]
pub struct H2Stream {
    send: h2::SendStream<Bytes>,
    recv: h2::RecvStream,
    /// Received bytes the reader has not taken yet, with window not yet released.
    pending: Bytes,
    /// End of stream sent (after shutdown).
    send_closed: bool,
    /// The connection's frames, to name a GOAWAY that the h2 library reports as a bare
    /// transport error.
    log: Option<FrameLog>,
}

impl H2Stream {
    /// Wraps the two halves of one stream: the request's (client) or response's (server)
    /// `SendStream`, and the peer's body `RecvStream`.
    pub fn new(send: h2::SendStream<Bytes>, recv: h2::RecvStream) -> Self {
        H2Stream { send, recv, pending: Bytes::new(), send_closed: false, log: None }
    }

    /// Names errors by the connection's frames too: a transport error after the peer's GOAWAY
    /// becomes that GOAWAY.
    pub fn with_log(mut self, log: FrameLog) -> Self {
        self.log = Some(log);
        self
    }

    /// The stream's identifier (RFC 9113 §5.1.1): odd for streams the client opened.
    pub fn stream_id(&self) -> u32 {
        self.send.stream_id().as_u32()
    }

    /// Resets the stream with RST_STREAM and the given error code (RFC 9113 §6.4); later
    /// reads and writes fail.
    pub fn reset(&mut self, reason: h2::Reason) {
        self.send.send_reset(reason);
    }

    /// An h2 library error as an `io::Error`, named by frame and error code where one is known.
    fn name_error(&self, err: h2::Error) -> io::Error {
        let err = H2Error::into_io(err);
        match (H2Error::find(&err), self.log.as_ref().and_then(FrameLog::peer_goaway)) {
            (None, Some(goaway)) => goaway.into(),
            _ => err,
        }
    }

    /// The error that ended the stream, once the send half has failed. The send half knows
    /// only the error code, so the receive half is asked first: it keeps the whole error
    /// (which frame, sent by whom). Data it still holds is kept for the reader.
    fn poll_send_error(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        if self.pending.is_empty() {
            match self.recv.poll_data(cx) {
                Poll::Ready(Some(Err(err))) => return Poll::Ready(self.name_error(err)),
                Poll::Ready(Some(Ok(data))) => self.pending = data,
                Poll::Ready(None) | Poll::Pending => {}
            }
        }
        match ready!(self.send.poll_reset(cx)) {
            Ok(reason) => {
                let goaway = self.log.as_ref().and_then(FrameLog::peer_goaway);
                let named = goaway.filter(|g| g.reason == reason);
                Poll::Ready(
                    named.unwrap_or(H2Error { frame: H2ErrorFrame::RstStream, reason, by_peer: true }).into(),
                )
            }
            Err(err) => Poll::Ready(self.name_error(err)),
        }
    }
}

impl AsyncRead for H2Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, out: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.pending.is_empty() {
            match ready!(this.recv.poll_data(cx)) {
                Some(Ok(data)) => this.pending = data,
                Some(Err(err)) => return Poll::Ready(Err(this.name_error(err))),
                None => return Poll::Ready(Ok(())),
            }
        }
        let n = out.remaining().min(this.pending.len());
        out.put_slice(&this.pending[..n]);
        this.pending.advance(n);
        // Release fails only once the stream is gone; the next read reports why.
        let _ = this.recv.flow_control().release_capacity(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for H2Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if this.send_closed {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        let want = buf.len().min(WRITE_CHUNK);
        if this.send.capacity() < want {
            this.send.reserve_capacity(want);
        }
        let granted = if this.send.capacity() > 0 {
            Some(this.send.capacity())
        } else {
            match ready!(this.send.poll_capacity(cx)) {
                Some(Ok(n)) => Some(n),
                // The stream closed or failed: poll_reset says how.
                Some(Err(_)) | None => None,
            }
        };
        if let Some(granted) = granted {
            let n = granted.min(want);
            if this.send.send_data(Bytes::copy_from_slice(&buf[..n]), false).is_ok() {
                return Poll::Ready(Ok(n));
            }
        }
        this.poll_send_error(cx).map(Err)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // The connection task writes frames out as soon as they are queued.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.send_closed {
            return Poll::Ready(Ok(()));
        }
        if this.send.send_data(Bytes::new(), true).is_ok() {
            this.send_closed = true;
            return Poll::Ready(Ok(()));
        }
        this.poll_send_error(cx).map(Err)
    }
}
