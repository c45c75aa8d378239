//! Reads that hold no memory while a connection is idle.
//!
//! The protocol layer keeps a read buffer for the life of a connection and reads at most that
//! much per call. A server with thousands of mostly idle connections wants that buffer small
//! (it costs its size per connection), and a 64 MiB message wants large reads (one system
//! call per few KiB would cost more than the copy). `ReadAhead` sits under the protocol layer
//! and gives both: a caller asking for less than [`CHUNK`] bytes gets them from one read of up
//! to `CHUNK` bytes into a buffer that is allocated for that read and freed as soon as the
//! caller has taken everything in it. Callers with a buffer of `CHUNK` or more read straight
//! from the stream, with no copy.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Bytes read from the stream at once on behalf of a small caller (64 KiB).
pub const CHUNK: usize = 64 * 1024;

/// An `AsyncRead + AsyncWrite` wrapper that reads ahead in [`CHUNK`]-byte reads for callers
/// with small buffers and holds no buffer between reads once drained. Writes pass through.
#[derive(Debug)]
pub struct ReadAhead<S> {
    inner: S,
    /// Bytes read and not yet taken: `buf[pos..]`. No allocation while empty.
    buf: Vec<u8>,
    pos: usize,
}

impl<S> ReadAhead<S> {
    /// Reads from `inner`; holds no buffer until the first read smaller than 64 KiB.
    pub fn new(inner: S) -> Self {
        ReadAhead { inner, buf: Vec::new(), pos: 0 }
    }

    /// Bytes of memory the read-ahead buffer holds now (0 whenever it is drained).
    pub fn held(&self) -> usize {
        self.buf.capacity()
    }

    /// Copies what is buffered into `out`; frees the buffer once it is all taken.
    fn take_into(&mut self, out: &mut ReadBuf<'_>) {
        let n = out.remaining().min(self.buf.len() - self.pos);
        out.put_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.buf.len() {
            self.buf = Vec::new();
            self.pos = 0;
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ReadAhead<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, out: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.pos < this.buf.len() {
            this.take_into(out);
            return Poll::Ready(Ok(()));
        }
        if out.remaining() >= CHUNK {
            return Pin::new(&mut this.inner).poll_read(cx, out);
        }
        let mut buf: Vec<u8> = Vec::with_capacity(CHUNK);
        let mut ahead = ReadBuf::uninit(buf.spare_capacity_mut());
        // Nothing is kept when the stream has nothing to give (Pending) or fails.
        ready!(Pin::new(&mut this.inner).poll_read(cx, &mut ahead))?;
        let n = ahead.filled().len();
        // SAFETY: `ReadBuf::filled` covers bytes the reader initialised, the first `n` of the
        // spare capacity it was given.
        unsafe { buf.set_len(n) };
        if n > 0 {
            this.buf = buf;
            this.pos = 0;
            this.take_into(out);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ReadAhead<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
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
    async fn small_reads_see_every_byte_in_order_and_nothing_is_held_once_taken() {
        let (mut peer, end) = tokio::io::duplex(1 << 20);
        let mut r = ReadAhead::new(end);
        let sent: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        peer.write_all(&sent).await.unwrap();
        drop(peer);
        let mut got = Vec::new();
        let mut small = [0u8; 1000];
        loop {
            let n = r.read(&mut small).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&small[..n]);
            assert!(r.held() <= CHUNK, "one read ahead at a time");
        }
        assert_eq!(got, sent);
        assert_eq!(r.held(), 0);
    }

    #[tokio::test]
    async fn an_idle_stream_holds_no_buffer_and_a_large_reader_reads_directly() {
        let (mut peer, end) = tokio::io::duplex(1 << 20);
        let mut r = ReadAhead::new(end);
        peer.write_all(b"hello").await.unwrap();
        let mut small = [0u8; 16];
        assert_eq!(r.read(&mut small).await.unwrap(), 5);
        assert_eq!(r.held(), 0, "drained: freed");
        // Nothing to read: the poll is pending and nothing was kept for it.
        let pending = futures_util::FutureExt::now_or_never(r.read(&mut small));
        assert!(pending.is_none());
        assert_eq!(r.held(), 0);
        peer.write_all(&[7u8; 100]).await.unwrap();
        let mut large = vec![0u8; CHUNK];
        assert_eq!(r.read(&mut large).await.unwrap(), 100);
        assert_eq!(r.held(), 0, "a large reader reads straight from the stream");
    }
}
