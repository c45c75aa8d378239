//! Messages to send: the -x preamble (again on every reconnect) and stdin lines (once).

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

use crate::core::error::Error;
use crate::core::event::Data;
use crate::settings::InputFormat;

/// Stdin lines decoded into messages; the channel closes at end of input (at once when stdin
/// is not read).
pub fn spawn_stdin(read: bool, format: InputFormat) -> mpsc::Receiver<Result<Data, Error>> {
    let (tx, rx) = mpsc::channel(16);
    if read {
        tokio::spawn(read_lines(tx, format));
    }
    rx
}

async fn read_lines(tx: mpsc::Sender<Result<Data, Error>>, format: InputFormat) {
    let mut reader = BufReader::new(tokio::io::stdin());
    let mut number = 0u64;
    loop {
        let mut line = Vec::new();
        // A stdin that is closed or unreadable counts as empty.
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        number += 1;
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        let item = format.decode(line, &format!("stdin line {number}"));
        let failed = item.is_err();
        if tx.send(item).await.is_err() || failed {
            return;
        }
    }
}
