
use builtin;
use str;

set edit:completion:arg-completer[wsdiag] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'wsdiag'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'wsdiag'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand connect 'Connect to a WebSocket server, send messages and print what comes back'
            cand listen 'Accept WebSocket clients, print what they send and talk back from stdin'
            cand echo 'Run an echo server, with fault injection, for testing clients'
            cand handshake-inspect 'Perform only the opening handshake, show it exactly and judge it against RFC 6455'
            cand heartbeat-probe 'Find how long an idle connection survives on a path (not built yet)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'wsdiag;connect'= {
            cand -x 'Send MSG after connecting (repeatable; sent in order, before stdin lines)'
            cand --send 'Send MSG after connecting (repeatable; sent in order, before stdin lines)'
            cand -n 'Exit after N messages have been received'
            cand --count 'Exit after N messages have been received'
            cand -w 'After the last send, wait this long for replies, then close [default: until the peer closes, --count is met or --timeout expires]'
            cand --wait 'After the last send, wait this long for replies, then close [default: until the peer closes, --count is met or --timeout expires]'
            cand --timeout 'Bound on the whole run; when it expires wsdiag closes and exits 7'
            cand --close-code 'Close code sent when wsdiag closes the connection'
            cand --close-reason 'Close reason sent when wsdiag closes the connection (at most 123 bytes)'
            cand --max-message 'Largest message or frame accepted, in bytes; a bigger one ends the run, after a close with 1009 (message too big), with exit 6. 0 for no limit'
            cand --ping-interval 'Send a ping every DUR and print each round-trip time'
            cand --ping-count 'Stop after N pings (answered or timed out) and print ping(8)-style statistics'
            cand --ping-timeout 'A ping unanswered this long counts as lost (a later pong counts as late)'
            cand --heartbeat 'Keep the connection alive with a ping every DUR (±10 % jitter); see --heartbeat-misses'
            cand --heartbeat-misses 'Declare the connection dead after N heartbeats in a row go unanswered'
            cand --heartbeat-message 'Send this text message as the heartbeat instead of a ping frame'
            cand --heartbeat-expect 'With --heartbeat-message: only a message matching REGEX answers it [default: any message]'
            cand --tcp-keepalive 'Enable TCP keepalive probes after DUR idle (every DUR after that)'
            cand --tcp-user-timeout 'TCP_USER_TIMEOUT: fail when sent data stays unacknowledged this long (black-holed paths)'
            cand --backoff-base 'Backoff base: the first delay is random in 0..BASE, then the window doubles'
            cand --backoff-max 'Largest backoff window'
            cand --max-retries 'Give up after N reconnect attempts in a row [default: no limit]'
            cand --expect 'A received message must match REGEX (repeatable, in order); exit 0 once all matched'
            cand --expect-json 'A received JSON message must have PATH equal to VALUE (JSON pointer /a/0/b or dotted a.0.b; VALUE is JSON, or else a string); repeatable, checked in order with --expect'
            cand --expect-timeout 'How long each expectation may wait for its match'
            cand --expect-close 'The server must close the connection with this code'
            cand --max-rtt 'Fail when the ping (or --echo-rtt) p99 round-trip time is above DUR'
            cand --max-loss 'Fail when more than PCT percent of pings are lost'
            cand -H 'Add a request header (repeatable)'
            cand --header 'Add a request header (repeatable)'
            cand --origin 'Origin header value'
            cand -s 'Offer a subprotocol (repeatable, in order of preference)'
            cand --subprotocol 'Offer a subprotocol (repeatable, in order of preference)'
            cand --auth 'HTTP Basic authentication'
            cand --bearer 'Authorization: Bearer TOKEN'
            cand --connect-timeout 'Bound on DNS resolution plus TCP connect'
            cand --handshake-timeout 'Bound on the TLS handshake plus the HTTP upgrade'
            cand --cacert 'Trust only the CA certificates in this PEM file (instead of the built-in and system roots)'
            cand --cert 'Client certificate chain (PEM), for servers that require client authentication'
            cand --key 'Private key for --cert (PEM)'
            cand --sni 'Server name sent in TLS SNI and checked against the certificate [default: URL host]'
            cand --color 'When to use colors (NO_COLOR in the environment means never, unless ''always'')'
            cand --binary 'Send messages as binary frames instead of text'
            cand --hex 'Decode each message from hex before sending (implies --binary)'
            cand --base64 'Decode each message from base64 before sending (implies --binary)'
            cand --no-stdin 'Do not read messages from stdin'
            cand --commands 'Stdin lines are REPL commands (/ping, /raw, /close …), not messages, also on a pipe'
            cand --keep-going 'With --commands, a malformed command is reported and skipped instead of ending the run (exit 2)'
            cand --no-history 'Do not read or write the REPL''s history file ($XDG_STATE_HOME/wsdiag/history)'
            cand --echo-rtt 'Match each message sent with its echo and report application round-trip times'
            cand --reconnect 'Re-establish a lost connection with exponential backoff and full jitter'
            cand -k 'Do not verify the server''s certificate (prints a warning)'
            cand --insecure 'Do not verify the server''s certificate (prints a warning)'
            cand -v '-v: handshake and timings on stderr; -vv: also every frame both ways'
            cand --verbose '-v: handshake and timings on stderr; -vv: also every frame both ways'
            cand --frames 'Show every frame both ways (same as -vv)'
            cand --json 'Print NDJSON events on stdout, one object per line (schema: docs/json.md)'
            cand --show-secrets 'Show Authorization, Cookie and similar header values instead of masking them'
            cand --timestamps 'Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'wsdiag;listen'= {
            cand -p 'Port to listen on (0: an ephemeral port, printed on stderr)'
            cand --port 'Port to listen on (0: an ephemeral port, printed on stderr)'
            cand -b 'Address to bind (anything wider than loopback must be asked for)'
            cand --bind 'Address to bind (anything wider than loopback must be asked for)'
            cand --max-connections 'Refuse connections beyond this many at once'
            cand --max-message 'Largest message accepted (bigger ones close the connection with 1009)'
            cand --handshake-timeout 'Bound on a client''s TLS handshake plus HTTP upgrade'
            cand -s 'Accept only these subprotocols (repeatable); the first one the client offers is selected'
            cand --subprotocol 'Accept only these subprotocols (repeatable); the first one the client offers is selected'
            cand -H 'Add a header to every 101 response (repeatable)'
            cand --header 'Add a header to every 101 response (repeatable)'
            cand --cert 'Serve TLS with this certificate chain (PEM)'
            cand --key 'Private key for --cert (PEM)'
            cand --max-runtime 'Stop after this long (servers otherwise run until Ctrl-C)'
            cand -n 'Exit 0 after N messages have been received (from all clients)'
            cand --count 'Exit 0 after N messages have been received (from all clients)'
            cand --expect 'A received message must match REGEX (repeatable, in order); exit 0 once all matched'
            cand --expect-timeout 'How long each --expect may wait for its match'
            cand --ping-interval 'Ping each client every DUR and print each round-trip time'
            cand --color 'When to use colors (NO_COLOR in the environment means never, unless ''always'')'
            cand --tls-self-signed 'Serve TLS with a fresh self-signed certificate for localhost (its SHA-256 fingerprint is printed)'
            cand --once 'Serve a single client, then exit with its connection''s outcome (1 when no client connected before --max-runtime)'
            cand --binary 'Send stdin lines as binary messages'
            cand --no-stdin 'Do not read stdin'
            cand --commands 'Stdin lines are REPL commands (/ping, /raw, /close …), not messages, also on a pipe'
            cand --keep-going 'With --commands, a malformed command is reported and skipped instead of ending the run (exit 2)'
            cand --no-history 'Do not read or write the REPL''s history file ($XDG_STATE_HOME/wsdiag/history)'
            cand -v '-v: handshake and timings on stderr; -vv: also every frame both ways'
            cand --verbose '-v: handshake and timings on stderr; -vv: also every frame both ways'
            cand --frames 'Show every frame both ways (same as -vv)'
            cand --json 'Print NDJSON events on stdout, one object per line (schema: docs/json.md)'
            cand --show-secrets 'Show Authorization, Cookie and similar header values instead of masking them'
            cand --timestamps 'Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'wsdiag;echo'= {
            cand -p 'Port to listen on (0: an ephemeral port, printed on stderr)'
            cand --port 'Port to listen on (0: an ephemeral port, printed on stderr)'
            cand -b 'Address to bind (anything wider than loopback must be asked for)'
            cand --bind 'Address to bind (anything wider than loopback must be asked for)'
            cand --max-connections 'Refuse connections beyond this many at once'
            cand --max-message 'Largest message accepted (bigger ones close the connection with 1009)'
            cand --handshake-timeout 'Bound on a client''s TLS handshake plus HTTP upgrade'
            cand -s 'Accept only these subprotocols (repeatable); the first one the client offers is selected'
            cand --subprotocol 'Accept only these subprotocols (repeatable); the first one the client offers is selected'
            cand -H 'Add a header to every 101 response (repeatable)'
            cand --header 'Add a header to every 101 response (repeatable)'
            cand --cert 'Serve TLS with this certificate chain (PEM)'
            cand --key 'Private key for --cert (PEM)'
            cand --max-runtime 'Stop after this long (servers otherwise run until Ctrl-C)'
            cand --delay 'Wait this long before each echo'
            cand --drop-after 'Reset the connection (TCP RST) after echoing N messages'
            cand --close-after 'Close each connection this long after it opened, with --close-code'
            cand --close-code 'Close code for --close-after'
            cand --close-reason 'Close reason for --close-after'
            cand --idle-timeout 'Close silently (TCP FIN, no close frame) after DUR without traffic, like a proxy''s idle timeout'
            cand --ping-interval 'Ping each client every DUR'
            cand --push-every 'Send an unsolicited text message ("push N") every DUR'
            cand --reject 'Refuse every upgrade with this HTTP status and a short body'
            cand --color 'When to use colors (NO_COLOR in the environment means never, unless ''always'')'
            cand --tls-self-signed 'Serve TLS with a fresh self-signed certificate for localhost (its SHA-256 fingerprint is printed)'
            cand --no-pong 'Ignore pings (a dead server that still holds TCP)'
            cand -v '-v: handshake and timings on stderr; -vv: also every frame both ways'
            cand --verbose '-v: handshake and timings on stderr; -vv: also every frame both ways'
            cand --frames 'Show every frame both ways (same as -vv)'
            cand --json 'Print NDJSON events on stdout, one object per line (schema: docs/json.md)'
            cand --show-secrets 'Show Authorization, Cookie and similar header values instead of masking them'
            cand --timestamps 'Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'wsdiag;handshake-inspect'= {
            cand --version 'Sec-WebSocket-Version to send (another value shows the server''s 426 reply)'
            cand --ws-key 'Fixed Sec-WebSocket-Key (16 bytes, base64), for reproducible output (--key is the TLS client key, as in connect)'
            cand --method 'Request method (RFC 6455 requires GET; others test the server''s reaction)'
            cand -H 'Add a request header (repeatable)'
            cand --header 'Add a request header (repeatable)'
            cand --origin 'Origin header value'
            cand -s 'Offer a subprotocol (repeatable, in order of preference)'
            cand --subprotocol 'Offer a subprotocol (repeatable, in order of preference)'
            cand --auth 'HTTP Basic authentication'
            cand --bearer 'Authorization: Bearer TOKEN'
            cand --connect-timeout 'Bound on DNS resolution plus TCP connect'
            cand --handshake-timeout 'Bound on the TLS handshake plus the HTTP upgrade'
            cand --cacert 'Trust only the CA certificates in this PEM file (instead of the built-in and system roots)'
            cand --cert 'Client certificate chain (PEM), for servers that require client authentication'
            cand --key 'Private key for --cert (PEM)'
            cand --sni 'Server name sent in TLS SNI and checked against the certificate [default: URL host]'
            cand --color 'When to use colors (NO_COLOR in the environment means never, unless ''always'')'
            cand --raw 'Print the request and response bytes exactly as sent and received, without prefixes'
            cand --offer-deflate 'Offer permessage-deflate (client_max_window_bits) and report what the server accepted'
            cand -L 'Follow 3xx redirects (at most 10), showing each hop'
            cand --follow 'Follow 3xx redirects (at most 10), showing each hop'
            cand --no-close 'Do not close the connection after a successful upgrade (drop it without a close frame)'
            cand -k 'Do not verify the server''s certificate (prints a warning)'
            cand --insecure 'Do not verify the server''s certificate (prints a warning)'
            cand --json 'Print one JSON document instead of the report (schema: docs/json.md)'
            cand --show-secrets 'Show Authorization, Cookie and similar header values instead of masking them'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'wsdiag;heartbeat-probe'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'wsdiag;help'= {
            cand connect 'Connect to a WebSocket server, send messages and print what comes back'
            cand listen 'Accept WebSocket clients, print what they send and talk back from stdin'
            cand echo 'Run an echo server, with fault injection, for testing clients'
            cand handshake-inspect 'Perform only the opening handshake, show it exactly and judge it against RFC 6455'
            cand heartbeat-probe 'Find how long an idle connection survives on a path (not built yet)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'wsdiag;help;connect'= {
        }
        &'wsdiag;help;listen'= {
        }
        &'wsdiag;help;echo'= {
        }
        &'wsdiag;help;handshake-inspect'= {
        }
        &'wsdiag;help;heartbeat-probe'= {
        }
        &'wsdiag;help;help'= {
        }
    ]
    $completions[$command]
}
