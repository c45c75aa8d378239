//! Stdin lines for `connect` and `listen`: read in a task, one message a line, the line end
//! (LF or CRLF) removed; each command decodes them its own way.

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

/// Raw stdin lines; the channel closes at end of input (at once when stdin is not read). A
/// stdin that is closed or unreadable counts as empty.
pub fn spawn_lines(read: bool) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel(16);
    if read {
        tokio::spawn(async move {
            let mut reader = BufReader::new(tokio::io::stdin());
            loop {
                let mut line = Vec::new();
                match reader.read_until(b'\n', &mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if line.last() == Some(&b'\n') {
                    line.pop();
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                }
                if tx.send(line).await.is_err() {
                    return;
                }
            }
        });
    }
    rx
}
