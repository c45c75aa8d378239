//! The embedded echo server behind `builtin:echo`: text stays text, binary stays binary,
//! fragmented messages echo whole, pings are answered and closes complete with the peer's code.

use std::net::SocketAddr;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::core::error::Error;

/// Small buffers: an echo server holds many mostly idle connections.
fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(4096)
}

/// Binds 127.0.0.1 on an ephemeral port and serves in the background until the runtime ends.
pub async fn spawn_loopback() -> Result<SocketAddr, Error> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|source| Error::Io {
            context: "cannot start the built-in echo server".into(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Io {
        context: "cannot start the built-in echo server".into(),
        source,
    })?;
    tokio::spawn(serve(listener));
    Ok(addr)
}

/// Accepts connections until the listener fails.
pub async fn serve(listener: TcpListener) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(echo(stream));
    }
}

async fn echo(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config())).await else {
        return;
    };
    let (mut tx, mut rx) = ws.split();
    while let Some(Ok(msg)) = rx.next().await {
        if !matches!(msg, Message::Text(_) | Message::Binary(_)) {
            // Pings are answered and closes completed by the protocol layer itself.
            continue;
        }
        if tx.feed(msg).await.is_err() {
            return;
        }
        // Flush only when no further message is already buffered.
        while let Some(Some(Ok(next))) = futures_util::FutureExt::now_or_never(rx.next()) {
            if matches!(next, Message::Text(_) | Message::Binary(_)) && tx.feed(next).await.is_err()
            {
                return;
            }
        }
        if tx.flush().await.is_err() {
            return;
        }
    }
}
