//! The permessage-deflate layer (RFC 7692): an `AsyncRead + AsyncWrite` between the wire tap
//! and the protocol layer that transforms data frames, so the tap sees the wire and the
//! protocol layer sees plain RFC 6455 frames. Inbound, a message whose first frame has RSV1
//! is collected, inflated and handed up as one frame without RSV1 (masked again with the
//! peer's key where the peer masks); outbound, each unfragmented data message is compressed
//! and sent as one frame with RSV1, masked with the key the protocol layer chose. Control
//! frames, fragmented messages we send and frames with RSV bits already set (crafted frames)
//! pass through untouched. Without an agreement the layer passes every byte straight through.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::codec::{Deflater, InflateError, Inflater};
use super::fault::{DeflateFailure, DeflateFault};
use super::frames::{apply_mask, header_bytes, release};
use super::params::Agreement;
use crate::core::event::{Dir, Side};
use crate::core::wire::frame_log::{header_len, parse_header, Header};
use crate::core::wire::tap::{Records, TapRecord};

/// Transformed bytes waiting to be written before the protocol layer may hand over more.
const HIGH_WATER: usize = 256 << 10;
/// What one read from the stream below asks for.
const READ_CHUNK: usize = 16 << 10;

/// What the layer does for one connection.
#[derive(Debug, Clone, Copy)]
pub struct DeflateConfig {
    pub agreement: Agreement,
    /// This end's role: the client compresses with the client's window and inflates with the
    /// server's, and the other way round.
    pub local: Side,
    /// The largest inflated message accepted, bytes (`None`: no limit).
    pub max_message: Option<usize>,
    /// A fault to inject into what this end sends (the echo server's, for testing clients).
    pub fault: Option<DeflateFault>,
}

/// The layer; see the module documentation.
#[derive(Debug)]
pub struct Deflate<S> {
    inner: S,
    state: Option<Box<State>>,
}

#[derive(Debug)]
struct State {
    /// The peer masks its frames (we are the server).
    peer_masks: bool,
    inflater: Inflater,
    /// None: messages go out uncompressed (a window this end cannot honour).
    deflater: Option<Deflater>,
    max_message: Option<usize>,
    corrupt: bool,
    records: Records,
    rx: Rx,
    tx: Tx,
}

#[derive(Debug, Default)]
struct Rx {
    /// Bytes read from below and not yet handled.
    raw: Vec<u8>,
    /// Bytes ready for the protocol layer.
    out: Vec<u8>,
    out_pos: usize,
    /// Bytes of the current untouched frame still to copy through.
    passthrough: u64,
    /// The compressed message being collected.
    message: Option<Message>,
    eof: bool,
    error: Option<io::Error>,
}

#[derive(Debug)]
struct Message {
    opcode: u8,
    payload: Vec<u8>,
}

#[derive(Debug, Default)]
struct Tx {
    /// Bytes from the protocol layer not yet framed.
    input: Vec<u8>,
    /// Bytes for the stream below.
    pending: Vec<u8>,
    pending_pos: usize,
    /// Inside a fragmented message we send (sent as it is).
    fragmented: bool,
}

impl<S> Deflate<S> {
    /// Wraps `inner`; with `config` None every byte passes straight through. `records` is the
    /// tap's queue, where each transformed message is reported (`TapRecord::Deflate`).
    pub fn new(inner: S, config: Option<DeflateConfig>, records: &Records) -> Self {
        let state = config.map(|c| {
            let a = c.agreement;
            let (ours, theirs, ours_fresh, theirs_fresh) = match c.local {
                Side::Client => (
                    a.client_max_window_bits,
                    a.server_max_window_bits,
                    a.client_no_context_takeover,
                    a.server_no_context_takeover,
                ),
                Side::Server => (
                    a.server_max_window_bits,
                    a.client_max_window_bits,
                    a.server_no_context_takeover,
                    a.client_no_context_takeover,
                ),
            };
            Box::new(State {
                peer_masks: c.local == Side::Server,
                inflater: Inflater::new(theirs, !theirs_fresh),
                // Keeping the compression context is allowed, never required: a server holding
                // many connections does not keep one (about 300 KiB each); a client does, for
                // the ratio. Only the break-context fault keeps it where it must not.
                deflater: Deflater::can_compress(ours).then(|| {
                    let keep = (c.local == Side::Client && !ours_fresh)
                        || c.fault == Some(DeflateFault::BreakContext);
                    Deflater::new(ours, keep)
                }),
                max_message: c.max_message,
                corrupt: c.fault == Some(DeflateFault::Corrupt),
                records: records.clone(),
                rx: Rx::default(),
                tx: Tx::default(),
            })
        });
        Deflate { inner, state }
    }
}

impl<S> Deflate<S> {
    /// Bytes that arrived with the opening handshake, before the layer existed: with an
    /// agreement they are taken in as if read (and None are left for the protocol layer);
    /// without one they are handed back untouched.
    pub fn take_leftover(&mut self, bytes: Vec<u8>) -> Vec<u8> {
        match self.state.as_mut() {
            Some(st) if !bytes.is_empty() => {
                st.rx.raw.extend_from_slice(&bytes);
                st.process_rx();
                Vec::new()
            }
            _ => bytes,
        }
    }
}

fn violation(rule: &str, bytes: &[u8], code: u16) -> io::Error {
    DeflateFailure::Violation { rule: rule.into(), bytes: bytes.to_vec(), code }.into_io()
}

impl State {
    /// Turns what was read into frames for the protocol layer, as far as whole frames allow.
    fn process_rx(&mut self) {
        let mut pos = 0;
        while self.rx.error.is_none() {
            let raw = &self.rx.raw[pos..];
            if self.rx.passthrough > 0 {
                let n = (self.rx.passthrough as usize).min(raw.len());
                if n == 0 {
                    break;
                }
                self.rx.out.extend_from_slice(&raw[..n]);
                self.rx.passthrough -= n as u64;
                pos += n;
                continue;
            }
            if raw.len() < 2 || raw.len() < header_len(raw) {
                break;
            }
            let hl = header_len(raw);
            let h = parse_header(&raw[..hl]);
            match self.rx_frame(&h, hl, pos) {
                Some(used) => pos += used,
                None => break,
            }
        }
        self.rx.raw.drain(..pos);
        if self.rx.raw.is_empty() {
            release(&mut self.rx.raw);
        }
    }

    /// Handles the frame at `pos` (header `h` of `hl` bytes): the bytes used, or None to wait
    /// for more.
    fn rx_frame(&mut self, h: &Header, hl: usize, pos: usize) -> Option<usize> {
        let raw = &self.rx.raw[pos..];
        let control = h.opcode >= 0x8;
        let compressed_start = matches!(h.opcode, 0x1 | 0x2) && h.rsv[0] && self.rx.message.is_none();
        let in_message = h.opcode == 0x0 && self.rx.message.is_some();
        if h.rsv[0] && (control || h.opcode == 0x0) {
            let rule = if control {
                "RSV1 set on a control frame (RFC 7692 §6.1)"
            } else {
                "RSV1 set on a continuation frame (RFC 7692 §6.1)"
            };
            self.rx.error = Some(violation(rule, &raw[..hl], 1002));
            return None;
        }
        if !(compressed_start || in_message) {
            self.rx.out.extend_from_slice(&raw[..hl]);
            self.rx.passthrough = h.len;
            return Some(hl);
        }
        let collected = self.rx.message.as_ref().map_or(0, |m| m.payload.len() as u64);
        if let Some(max) = self.max_message.filter(|m| collected + h.len > *m as u64) {
            let size = usize::try_from(collected + h.len).unwrap_or(usize::MAX);
            self.rx.error = Some(DeflateFailure::TooBig { size, max }.into_io());
            return None;
        }
        let total = hl + usize::try_from(h.len).ok()?;
        if raw.len() < total {
            return None;
        }
        let mut payload = raw[hl..total].to_vec();
        apply_mask(&mut payload, h.mask);
        let message =
            self.rx.message.get_or_insert_with(|| Message { opcode: h.opcode, payload: Vec::new() });
        if message.payload.is_empty() {
            message.payload = payload;
        } else {
            message.payload.extend_from_slice(&payload);
        }
        if h.fin {
            self.finish_message();
        }
        Some(total)
    }

    /// Inflates the collected message and hands it up as one frame.
    fn finish_message(&mut self) {
        let Some(m) = self.rx.message.take() else { return };
        match self.inflater.inflate(&m.payload, self.max_message) {
            Ok(mut data) => {
                self.records.push(TapRecord::Deflate {
                    dir: Dir::In,
                    wire: m.payload.len() as u64,
                    inflated: data.len() as u64,
                });
                // The protocol layer wants the peer's frames masked: a zero key costs no work.
                let mask = self.peer_masks.then_some([0; 4]);
                let head = header_bytes(true, false, m.opcode, mask, data.len());
                apply_mask(&mut data, mask);
                self.rx.out.extend_from_slice(&head);
                self.rx.out.extend_from_slice(&data);
            }
            Err(InflateError::TooBig { size, max }) => {
                self.rx.error = Some(DeflateFailure::TooBig { size, max }.into_io())
            }
            Err(InflateError::Corrupt { message, back_reference }) => {
                let rule = if back_reference {
                    format!(
                        "compressed data refers back beyond the agreed window, or into an earlier message \
                         under no_context_takeover ({message}; RFC 7692 §7.1.1, §7.1.2)"
                    )
                } else {
                    format!("a compressed message does not inflate ({message}; RFC 7692 §7.2.2)")
                };
                let shown = &m.payload[..m.payload.len().min(64)];
                self.rx.error = Some(violation(&rule, shown, 1007));
            }
        }
    }

    /// Frames what the protocol layer wrote, compressing each whole data message.
    fn process_tx(&mut self) {
        let mut pos = 0;
        loop {
            let input = &self.tx.input[pos..];
            if input.len() < 2 || input.len() < header_len(input) {
                break;
            }
            let hl = header_len(input);
            let h = parse_header(&input[..hl]);
            let Some(total) = usize::try_from(h.len).ok().map(|l| hl + l).filter(|t| input.len() >= *t)
            else {
                break;
            };
            let whole = matches!(h.opcode, 0x1 | 0x2) && h.fin && h.rsv == [false; 3] && !self.tx.fragmented;
            match self.deflater.as_mut().filter(|_| whole) {
                Some(deflater) => {
                    let mut payload = input[hl..total].to_vec();
                    apply_mask(&mut payload, h.mask);
                    let mut wire = deflater.compress(&payload);
                    if self.corrupt {
                        // BFINAL with the reserved block type 11: no inflater accepts it.
                        wire.insert(0, 0xff);
                    }
                    self.records.push(TapRecord::Deflate {
                        dir: Dir::Out,
                        wire: wire.len() as u64,
                        inflated: payload.len() as u64,
                    });
                    let head = header_bytes(true, true, h.opcode, h.mask, wire.len());
                    apply_mask(&mut wire, h.mask);
                    self.tx.pending.extend_from_slice(&head);
                    self.tx.pending.extend_from_slice(&wire);
                }
                None => {
                    if matches!(h.opcode, 0x1 | 0x2) && !h.fin {
                        self.tx.fragmented = true;
                    } else if h.opcode == 0x0 && h.fin {
                        self.tx.fragmented = false;
                    }
                    self.tx.pending.extend_from_slice(&input[..total]);
                }
            }
            pos += total;
        }
        self.tx.input.drain(..pos);
        if self.tx.input.is_empty() {
            release(&mut self.tx.input);
        }
    }
}

impl<S: AsyncWrite + Unpin> Deflate<S> {
    /// Writes the transformed bytes waiting for the stream below.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(st) = self.state.as_mut() else { return Poll::Ready(Ok(())) };
        while st.tx.pending_pos < st.tx.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &st.tx.pending[st.tx.pending_pos..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            st.tx.pending_pos += n;
        }
        release(&mut st.tx.pending);
        st.tx.pending_pos = 0;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Deflate<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(st) = this.state.as_mut() else { return Pin::new(&mut this.inner).poll_read(cx, buf) };
        loop {
            let rx = &mut st.rx;
            if rx.out_pos < rx.out.len() {
                let n = buf.remaining().min(rx.out.len() - rx.out_pos);
                buf.put_slice(&rx.out[rx.out_pos..rx.out_pos + n]);
                rx.out_pos += n;
                if rx.out_pos == rx.out.len() {
                    // Nothing held while idle: a large buffer goes, a small one is reused.
                    release(&mut rx.out);
                    rx.out_pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if let Some(e) = rx.error.take() {
                return Poll::Ready(Err(e));
            }
            if rx.eof {
                return Poll::Ready(Ok(()));
            }
            let mut chunk = [0u8; READ_CHUNK];
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                // A frame cut short goes up as it is: the protocol layer names the truncation.
                rx.eof = true;
                let rest = std::mem::take(&mut rx.raw);
                rx.out.extend_from_slice(&rest);
                continue;
            }
            rx.raw.extend_from_slice(read.filled());
            st.process_rx();
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Deflate<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.state.is_none() {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        if this.state.as_ref().is_some_and(|st| st.tx.pending.len() - st.tx.pending_pos > HIGH_WATER) {
            ready!(this.poll_pending(cx))?;
        }
        if let Some(st) = this.state.as_mut() {
            st.tx.input.extend_from_slice(buf);
            st.process_tx();
        }
        // Written through as far as the stream takes it now; the rest on the next write or flush.
        if let Poll::Ready(Err(e)) = this.poll_pending(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}
