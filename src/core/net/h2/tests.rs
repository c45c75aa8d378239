//! The adapter over real loopback TCP: an h2 client and an h2 server in-process, one
//! extended-CONNECT stream between them.

use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::timeout;

use super::error::{H2Error, H2ErrorFrame};
use super::frames::{Body, FrameReader, ENABLE_CONNECT_PROTOCOL, PREFACE};
use super::{FrameLog, FrameTap, H2Stream};

const BOUND: Duration = Duration::from_secs(20);

/// What the server end does with its connection once the stream is open.
enum ServerEnd {
    /// Hands the stream to the test and drives the connection.
    Stream(oneshot::Sender<H2Stream>),
    /// Accepts the stream, then, when told, sends GOAWAY with this code and closes.
    GoAway(h2::Reason, oneshot::Receiver<()>),
}

/// Opens one extended-CONNECT stream over loopback TCP; returns the client's stream and log.
async fn open(server_end: ServerEnd) -> (H2Stream, FrameLog) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let log = FrameLog::default();
        let mut conn = h2::server::Builder::new()
            .enable_connect_protocol()
            .handshake::<_, Bytes>(FrameTap::server(tcp, log.clone()))
            .await
            .unwrap();
        let (req, mut respond) = conn.accept().await.unwrap().unwrap();
        assert_eq!(req.method(), http::Method::CONNECT);
        assert_eq!(req.extensions().get::<h2::ext::Protocol>().map(|p| p.as_str()), Some("websocket"));
        let send = respond.send_response(http::Response::new(()), false).unwrap();
        let stream = H2Stream::new(send, req.into_body()).with_log(log);
        match server_end {
            ServerEnd::Stream(tx) => {
                tx.send(stream).unwrap();
                while let Some(Ok(_)) = conn.accept().await {}
            }
            ServerEnd::GoAway(reason, go) => {
                tokio::select! {
                    _ = go => {}
                    _ = conn.accept() => panic!("the connection ended before the GOAWAY"),
                }
                conn.abrupt_shutdown(reason);
                while let Some(Ok(_)) = conn.accept().await {}
                drop(stream);
            }
        }
    });

    let tcp = TcpStream::connect(addr).await.unwrap();
    let log = FrameLog::default();
    let (send_request, mut conn) =
        h2::client::Builder::new().handshake::<_, Bytes>(FrameTap::client(tcp, log.clone())).await.unwrap();
    // Drive the connection here until the server's SETTINGS have been read and applied.
    poll_fn(|cx| match conn.poll_unpin(cx) {
        Poll::Ready(result) => panic!("connection ended before SETTINGS: {result:?}"),
        Poll::Pending if log.peer_settings().is_some() => Poll::Ready(()),
        Poll::Pending => Poll::Pending,
    })
    .await;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut send_request = send_request.ready().await.unwrap();
    assert!(send_request.is_extended_connect_protocol_enabled());
    let mut req = http::Request::builder()
        .method(http::Method::CONNECT)
        .uri(format!("http://{addr}/chat"))
        .header("sec-websocket-version", "13")
        .body(())
        .unwrap();
    req.extensions_mut().insert(h2::ext::Protocol::from_static("websocket"));
    let (response, send) = send_request.send_request(req, false).unwrap();
    let response = response.await.unwrap();
    assert_eq!(response.status(), 200);
    (H2Stream::new(send, response.into_body()).with_log(log.clone()), log)
}

/// A message of `len` bytes whose content depends on `seed`, so a lost or reordered part shows.
fn message(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

#[tokio::test]
async fn one_mib_messages_cross_both_ways_within_the_flow_control_windows() {
    let (tx, rx) = oneshot::channel();
    let (client, log) = timeout(BOUND, open(ServerEnd::Stream(tx))).await.unwrap();
    let mut server = rx.await.unwrap();
    assert_eq!(client.stream_id(), 1);
    let settings = log.peer_settings().unwrap();
    assert!(settings.contains(&(ENABLE_CONNECT_PROTOCOL, 1)), "{settings:?}");

    // The server echoes what it reads, reading only as it writes: 1 MiB is sixteen times
    // the default 64 KiB window, so this finishes only if window is granted and given back.
    let echo = tokio::spawn(async move {
        let mut buf = vec![0; 8192];
        loop {
            let n = server.read(&mut buf).await.unwrap();
            if n == 0 {
                server.shutdown().await.unwrap();
                return;
            }
            server.write_all(&buf[..n]).await.unwrap();
        }
    });
    let messages: Vec<Vec<u8>> = (0..3).map(|seed| message(1 << 20, seed)).collect();
    let expected: Vec<u8> = messages.concat();
    let (mut read_half, mut write_half) = tokio::io::split(client);
    let write = async {
        for m in &messages {
            write_half.write_all(m).await.unwrap();
        }
        write_half.shutdown().await.unwrap();
    };
    let read = async {
        let mut got = Vec::new();
        read_half.read_to_end(&mut got).await.unwrap();
        got
    };
    let (_, got) = timeout(BOUND, async { tokio::join!(write, read) }).await.unwrap();
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "echoed bytes differ");
    timeout(BOUND, echo).await.unwrap().unwrap();
}

#[tokio::test]
async fn a_reset_in_the_middle_of_a_message_is_named_by_its_error_code() {
    let (tx, rx) = oneshot::channel();
    let (client, _log) = timeout(BOUND, open(ServerEnd::Stream(tx))).await.unwrap();
    let mut server = rx.await.unwrap();
    let resetter = tokio::spawn(async move {
        let mut buf = vec![0; 100 * 1024];
        server.read_exact(&mut buf).await.unwrap();
        server.reset(h2::Reason::INTERNAL_ERROR);
        // Keep the stream until the client has seen the reset.
        tokio::time::sleep(BOUND).await;
    });
    let (mut read_half, mut write_half) = tokio::io::split(client);
    let write_err = timeout(BOUND, write_half.write_all(&message(1 << 20, 7))).await.unwrap().unwrap_err();
    let read_err = timeout(BOUND, read_half.read(&mut [0; 64])).await.unwrap().unwrap_err();
    let expected =
        H2Error { frame: H2ErrorFrame::RstStream, reason: h2::Reason::INTERNAL_ERROR, by_peer: true };
    assert_eq!(H2Error::find(&write_err), Some(expected), "{write_err}");
    assert_eq!(H2Error::find(&read_err), Some(expected), "{read_err}");
    assert_eq!(read_err.kind(), std::io::ErrorKind::ConnectionReset);
    assert_eq!(read_err.to_string(), "RST_STREAM INTERNAL_ERROR sent by the peer");
    resetter.abort();
}

#[tokio::test]
async fn a_goaway_is_named_by_its_error_code() {
    let (go, went) = oneshot::channel();
    let server_end = ServerEnd::GoAway(h2::Reason::ENHANCE_YOUR_CALM, went);
    let (mut client, log) = timeout(BOUND, open(server_end)).await.unwrap();
    go.send(()).unwrap();
    let err = timeout(BOUND, client.read(&mut [0; 64])).await.unwrap().unwrap_err();
    let expected =
        H2Error { frame: H2ErrorFrame::GoAway, reason: h2::Reason::ENHANCE_YOUR_CALM, by_peer: true };
    assert_eq!(H2Error::find(&err), Some(expected), "{err}");
    assert_eq!(err.to_string(), "GOAWAY ENHANCE_YOUR_CALM sent by the peer");
    let (frames, dropped) = log.take();
    assert_eq!(dropped, 0);
    assert!(
        frames.iter().any(|r| matches!(r.frame.body, Body::GoAway { code: 0xb, last_stream: 1, .. })),
        "{frames:?}"
    );
}

#[tokio::test]
async fn end_of_stream_is_end_of_file_for_the_peer() {
    let (tx, rx) = oneshot::channel();
    let (mut client, _log) = timeout(BOUND, open(ServerEnd::Stream(tx))).await.unwrap();
    let mut server = rx.await.unwrap();
    client.write_all(b"last words").await.unwrap();
    client.shutdown().await.unwrap();
    let mut got = Vec::new();
    timeout(BOUND, server.read_to_end(&mut got)).await.unwrap().unwrap();
    assert_eq!(got, b"last words");
    assert!(client.write(b"more").await.is_err());
}

#[test]
fn the_frame_reader_takes_frames_in_any_split() {
    let mut wire = PREFACE.to_vec();
    // SETTINGS: ENABLE_CONNECT_PROTOCOL = 1, INITIAL_WINDOW_SIZE = 65535.
    wire.extend_from_slice(&[0, 0, 12, 4, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 1, 0, 4, 0, 0, 0xff, 0xff]);
    // DATA on stream 1 with END_STREAM, 3 bytes.
    wire.extend_from_slice(&[0, 0, 3, 0, 1, 0, 0, 0, 1, b'a', b'b', b'c']);
    // GOAWAY: last stream 1, PROTOCOL_ERROR, debug "no".
    wire.extend_from_slice(&[0, 0, 10, 7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, b'n', b'o']);
    for split in 1..wire.len() {
        let mut reader = FrameReader::new(true);
        let mut frames = Vec::new();
        for chunk in wire.chunks(split) {
            reader.feed(chunk, &mut |f| frames.push(f));
        }
        assert_eq!(frames.len(), 3, "split {split}");
        assert_eq!(frames[0].body, Body::Settings(vec![(8, 1), (4, 65535)]));
        assert_eq!((frames[1].kind, frames[1].stream, frames[1].len, frames[1].flags), (0, 1, 3, 1));
        assert_eq!(
            frames[2].body,
            Body::GoAway { last_stream: 1, code: 1, debug: Bytes::from_static(b"no") }
        );
    }
}

#[test]
fn error_codes_and_settings_have_their_rfc_names() {
    assert_eq!(super::error::reason_name(h2::Reason::HTTP_1_1_REQUIRED), "HTTP_1_1_REQUIRED");
    assert_eq!(super::error::reason_name(h2::Reason::from(0x42)), "0x42");
    assert_eq!(super::frames::setting_name(8), "SETTINGS_ENABLE_CONNECT_PROTOCOL");
    assert_eq!(super::frames::setting_name(0x10), "0x0010");
}
