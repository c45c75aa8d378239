//! Sessions over any stream whose opening handshake is already done: the in-process form of
//! the core (for example over `tokio::io::duplex`), with the same tap, events and endings as a
//! TCP connection.

use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

use super::{Clock, Session};
use crate::core::event::Side;
use crate::core::net::read_ahead::ReadAhead;
use crate::core::net::transport::{AnyStream, NetStream};
use crate::core::wire::deflate::{Agreement, Deflate, DeflateConfig};
use crate::core::wire::pong_filter::PongFilter;
use crate::core::wire::tap::{Tap, TapConfig};

impl Session {
    /// A session over any stream whose opening handshake is already done (for example one
    /// end of `tokio::io::duplex`): the in-process form of the core, with the same tap,
    /// events and endings as a TCP connection.
    pub async fn over(
        stream: impl AnyStream,
        local: Side,
        config: WebSocketConfig,
        tap_cfg: TapConfig,
        clock: Clock,
        conn: u64,
    ) -> Self {
        Self::over_with_deflate(stream, local, config, tap_cfg, clock, conn, None).await
    }

    /// `over`, with permessage-deflate in force when `agreement` is given (both ends must
    /// agree on it, as a handshake would have made them).
    pub async fn over_with_deflate(
        stream: impl AnyStream,
        local: Side,
        config: WebSocketConfig,
        tap_cfg: TapConfig,
        clock: Clock,
        conn: u64,
        agreement: Option<Agreement>,
    ) -> Self {
        let (tap, records) = Tap::upgraded(NetStream::Other(Box::new(stream)), tap_cfg);
        let role = if local == Side::Client { Role::Client } else { Role::Server };
        let deflate = agreement.map(|agreement| DeflateConfig {
            agreement,
            local,
            max_message: config.max_message_size,
            fault: None,
        });
        let io = ReadAhead::new(PongFilter::new(Deflate::new(tap, deflate, &records), false));
        let ws = WebSocketStream::from_raw_socket(io, role, Some(config)).await;
        let mut session = Session::new(ws, records, tap_cfg, clock, conn, local);
        session.set_deflate(agreement.is_some());
        session
    }
}
