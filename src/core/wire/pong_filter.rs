//! A fault for the echo server's `--no-pong`: a layer between the protocol library and the
//! tap that drops the pong frames the library writes on its own. The protocol library always
//! answers pings; this makes a server that does not, while the tap below still records only
//! what really crossed the wire (the ping in, no pong out).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::core::wire::frame_log::{header_len, parse_header};

/// Where the outgoing byte stream is, frame by frame.
#[derive(Debug)]
enum State {
    /// Collecting a frame header (2 to 14 bytes).
    Header { buf: [u8; 14], have: usize },
    /// Inside a payload: `remaining` bytes, passed on or dropped.
    Payload { remaining: u64, drop: bool },
}

/// Passes reads through; on writes, drops every frame with opcode 0xA (pong) when enabled.
#[derive(Debug)]
pub struct PongFilter<S> {
    inner: S,
    enabled: bool,
    state: State,
    /// Header bytes of a kept frame, accepted from the caller and not yet written.
    held: Vec<u8>,
}

impl<S> PongFilter<S> {
    /// Wraps `inner`; with `enabled` false every byte passes unchanged, at no cost.
    pub fn new(inner: S, enabled: bool) -> Self {
        PongFilter { inner, enabled, state: State::Header { buf: [0; 14], have: 0 }, held: Vec::new() }
    }
}

impl<S: AsyncWrite + Unpin> PongFilter<S> {
    /// Writes held header bytes; Ready(Ok) once none are left.
    fn poll_held(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.held.is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.held) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.held.drain(..n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for PongFilter<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for PongFilter<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !this.enabled {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        let mut used = 0;
        while used < buf.len() {
            match &mut this.state {
                State::Header { buf: h, have } => {
                    let need = header_len(&h[..*have]);
                    let take = (need - *have).min(buf.len() - used);
                    h[*have..*have + take].copy_from_slice(&buf[used..used + take]);
                    *have += take;
                    used += take;
                    if *have >= 2 && *have == header_len(&h[..*have]) {
                        let head = parse_header(&h[..*have]);
                        let drop = head.opcode == 0xA;
                        if !drop {
                            this.held.extend_from_slice(&h[..*have]);
                        }
                        let remaining = head.len;
                        this.state = if remaining == 0 {
                            State::Header { buf: [0; 14], have: 0 }
                        } else {
                            State::Payload { remaining, drop }
                        };
                    }
                }
                State::Payload { remaining, drop: true } => {
                    let take = (*remaining).min((buf.len() - used) as u64);
                    *remaining -= take;
                    used += take as usize;
                    if *remaining == 0 {
                        this.state = State::Header { buf: [0; 14], have: 0 };
                    }
                }
                State::Payload { drop: false, .. } => {
                    match this.poll_held(cx) {
                        Poll::Ready(Ok(())) => {}
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending if used > 0 => return Poll::Ready(Ok(used)),
                        Poll::Pending => return Poll::Pending,
                    }
                    let State::Payload { remaining, .. } = &mut this.state else { unreachable!() };
                    let take = (*remaining).min((buf.len() - used) as u64) as usize;
                    return match Pin::new(&mut this.inner).poll_write(cx, &buf[used..used + take]) {
                        Poll::Ready(Ok(n)) => {
                            *remaining -= n as u64;
                            if *remaining == 0 {
                                this.state = State::Header { buf: [0; 14], have: 0 };
                            }
                            Poll::Ready(Ok(used + n))
                        }
                        Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                        Poll::Pending if used > 0 => Poll::Ready(Ok(used)),
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
        Poll::Ready(Ok(used))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match this.poll_held(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match this.poll_held(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x80 | opcode];
        if payload.len() < 126 {
            f.push(payload.len() as u8);
        } else {
            f.push(126);
            f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        }
        f.extend_from_slice(payload);
        f
    }

    #[tokio::test]
    async fn drops_pongs_and_keeps_everything_else_whatever_the_write_sizes() {
        let big = vec![7u8; 300];
        let mut stream = frame(0x1, b"a");
        stream.extend(frame(0xA, b"pong payload"));
        stream.extend(frame(0x2, &big));
        stream.extend(frame(0xA, b""));
        stream.extend(frame(0x9, b"ping"));
        let mut expected = frame(0x1, b"a");
        expected.extend(frame(0x2, &big));
        expected.extend(frame(0x9, b"ping"));
        for chunk in [1, 2, 3, 5, 13, 64, 1000] {
            let (a, mut b) = tokio::io::duplex(7);
            let mut f = PongFilter::new(a, true);
            let input = stream.clone();
            let writer = tokio::spawn(async move {
                for piece in input.chunks(chunk) {
                    f.write_all(piece).await.unwrap();
                }
                f.flush().await.unwrap();
                f.shutdown().await.unwrap();
            });
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            writer.await.unwrap();
            assert_eq!(got, expected, "chunks of {chunk}");
        }
    }

    #[tokio::test]
    async fn disabled_passes_pongs() {
        let (a, mut b) = tokio::io::duplex(64);
        let mut f = PongFilter::new(a, false);
        f.write_all(&frame(0xA, b"p")).await.unwrap();
        drop(f);
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, frame(0xA, b"p"));
    }
}
