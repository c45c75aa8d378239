//! How to connect: the one recipe (request, transport, tap, buffers) that `connect`,
//! `handshake-inspect` and `heartbeat-probe` embed in their settings and that a client is
//! opened with; the target travels beside it, since `builtin:echo` has an address only once
//! its server runs.

use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::core::net::transport::DialConfig;
use crate::core::wire::handshake::RequestConfig;
use crate::core::wire::tap::TapConfig;

/// Everything needed to open a client connection to a target, except the target.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// What the upgrade request carries besides the handshake's own headers.
    pub request: RequestConfig,
    /// TLS, timeouts, TCP options and proxies: what the dial takes.
    pub dial: DialConfig,
    /// What the wire tap records.
    pub tap: TapConfig,
    /// Buffer sizes and the message size limit.
    pub buffers: Buffers,
}

/// A client's buffers and limits. Many idle sessions (probe trials) want small buffers: the
/// protocol layer zero-fills its read buffer, so each costs that much memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffers {
    /// Read buffer, bytes (grows only as one read needs).
    pub read: usize,
    /// Write buffer, bytes: frames are batched up to this size before a write.
    pub write: usize,
    /// The largest message or frame accepted, bytes (`None`: no limit). A larger one ends
    /// the session with `Ending::LocalLimit` and close code 1009.
    pub max_message: Option<usize>,
}

/// The default largest message for clients: 64 MiB.
pub const DEFAULT_MAX_MESSAGE: usize = 64 << 20;

impl Default for Buffers {
    /// 128 KiB read and write buffers (fast for large messages), a 64 MiB message limit.
    fn default() -> Self {
        Buffers { read: 128 << 10, write: 128 << 10, max_message: Some(DEFAULT_MAX_MESSAGE) }
    }
}

impl Buffers {
    /// 4 KiB buffers, for many mostly idle connections.
    pub fn small(max_message: Option<usize>) -> Self {
        Buffers { read: 4 << 10, write: 4 << 10, max_message }
    }

    pub fn ws_config(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .read_buffer_size(self.read)
            .write_buffer_size(self.write)
            .max_write_buffer_size(usize::MAX)
            .max_message_size(self.max_message)
            .max_frame_size(self.max_message)
    }
}
