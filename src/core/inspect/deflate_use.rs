//! handshake-inspect's look past a permessage-deflate agreement (RFC 7692): two compressible
//! test messages, and whether what comes back is compressed, inflates under the agreed
//! parameters (window, context takeover) and so honours what the server agreed to.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use crate::core::event::Dir;
use crate::core::net::transport::NetStream;
use crate::core::wire::deflate::{Deflate, DeflateFailure};
use crate::core::wire::tap::{drain, Records, TapRecord};
use crate::core::wire::verdict::{Check, Level};

/// How long an answer to each test message may take.
const ANSWER_WAIT: Duration = Duration::from_secs(2);
/// The test message: compressible, sent twice so a reply may refer back to the first.
const TEST: &str = "wsdiag permessage-deflate check: the same words again and again and again";

/// Sends the test messages and judges the answers (check `deflate_use`).
pub(super) async fn check(ws: &mut WebSocketStream<Deflate<NetStream>>, records: &mut Records) -> Check {
    let (mut answers, mut wire, mut inflated) = (0, 0, 0);
    for _ in 0..2 {
        if timeout(ANSWER_WAIT, ws.send(Message::text(TEST))).await.map_or(true, |r| r.is_err()) {
            return judged(Level::Warn, "the test message could not be sent".into());
        }
        match timeout(ANSWER_WAIT, next_data(ws)).await {
            Err(_) | Ok(None) => break,
            Ok(Some(Err(WsError::Io(io)))) if DeflateFailure::of(&io).is_some() => {
                let why = DeflateFailure::of(&io).map(ToString::to_string).unwrap_or_default();
                return judged(
                    Level::Fail,
                    format!("the server's compressed answer breaks the agreement: {why}"),
                );
            }
            Ok(Some(Err(e))) => {
                return judged(Level::Warn, format!("the connection failed after the test message: {e}"))
            }
            Ok(Some(Ok(()))) => answers += 1,
        }
        for rec in drain(records) {
            if let TapRecord::Deflate { dir: Dir::In, wire: w, inflated: i } = rec {
                (wire, inflated) = (wire + w, inflated + i);
            }
        }
    }
    match (answers, inflated) {
        (0, _) => judged(
            Level::Warn,
            format!("no message came back within {} s: whether the server compresses could not be seen", ANSWER_WAIT.as_secs()),
        ),
        (_, 0) => judged(
            Level::Warn,
            "the server answered uncompressed: allowed (RFC 7692 §6), but the agreement gains nothing".into(),
        ),
        (n, _) => judged(
            Level::Pass,
            format!("the server compressed its answers ({n}): {wire} bytes on the wire for {inflated}, inflated as agreed"),
        ),
    }
}

/// Waits for the next data message (control frames are the protocol layer's business).
async fn next_data(ws: &mut WebSocketStream<Deflate<NetStream>>) -> Option<Result<(), WsError>> {
    while let Some(msg) = ws.next().await {
        match msg {
            Ok(Message::Text(_) | Message::Binary(_)) => return Some(Ok(())),
            Ok(Message::Close(_)) => return None,
            Ok(_) => continue,
            Err(e) => return Some(Err(e)),
        }
    }
    None
}

fn judged(level: Level, message: String) -> Check {
    Check { id: "deflate_use", level, message }
}
