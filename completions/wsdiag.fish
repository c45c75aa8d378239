# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_wsdiag_global_optspecs
    string join \n h/help V/version
end

function __fish_wsdiag_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_wsdiag_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_wsdiag_using_subcommand
    set -l cmd (__fish_wsdiag_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c wsdiag -n "__fish_wsdiag_needs_command" -s h -l help -d 'Print help'
complete -c wsdiag -n "__fish_wsdiag_needs_command" -s V -l version -d 'Print version'
complete -c wsdiag -n "__fish_wsdiag_needs_command" -f -a "connect" -d 'Connect to a WebSocket server, send messages and print what comes back'
complete -c wsdiag -n "__fish_wsdiag_needs_command" -f -a "listen" -d 'Accept WebSocket clients, print what they send and talk back from stdin'
complete -c wsdiag -n "__fish_wsdiag_needs_command" -f -a "echo" -d 'Run an echo server, with fault injection, for testing clients'
complete -c wsdiag -n "__fish_wsdiag_needs_command" -f -a "handshake-inspect" -d 'Perform only the opening handshake, show it exactly and judge it against RFC 6455'
complete -c wsdiag -n "__fish_wsdiag_needs_command" -f -a "heartbeat-probe" -d 'Find how long an idle connection survives on a path, how the path kills it, and the heartbeat interval that keeps it alive'
complete -c wsdiag -n "__fish_wsdiag_needs_command" -f -a "replay" -d 'Replay a recorded session (a browser\'s HAR export, or connect --record) against a server and check that its replies are the recorded ones'
complete -c wsdiag -n "__fish_wsdiag_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -s x -l send -d 'Send MSG after connecting (repeatable; sent in order, before stdin lines)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -s n -l count -d 'Exit after N messages have been received' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -s w -l wait -d 'After the last send, wait this long for replies, then close [default: until the peer closes, --count is met or --timeout expires]' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l timeout -d 'Bound on the whole run; when it expires wsdiag closes and exits 7' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l close-code -d 'Close code sent when wsdiag closes the connection' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l close-reason -d 'Close reason sent when wsdiag closes the connection (at most 123 bytes)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l max-message -d 'Largest message or frame accepted, in bytes; a bigger one ends the run, after a close with 1009 (message too big), with exit 6. 0 for no limit' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l record -d 'Also write the session to FILE as a versioned NDJSON record with every header and message in full, for `wsdiag replay` (the terminal shows the usual output)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l ping-interval -d 'Send a ping every DUR and print each round-trip time' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l ping-count -d 'Stop after N pings (answered or timed out) and print ping(8)-style statistics' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l ping-timeout -d 'A ping unanswered this long counts as lost (a later pong counts as late)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l heartbeat -d 'Keep the connection alive with a ping every DUR (±10 % jitter); see --heartbeat-misses' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l heartbeat-misses -d 'Declare the connection dead after N heartbeats in a row go unanswered' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l heartbeat-message -d 'Send this text message as the heartbeat instead of a ping frame' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l heartbeat-expect -d 'With --heartbeat-message: only a message matching REGEX answers it [default: any message]' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l tcp-keepalive -d 'Enable TCP keepalive probes after DUR idle (every DUR after that)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l tcp-user-timeout -d 'Fail when sent data stays unacknowledged this long (black-holed paths): TCP_USER_TIMEOUT on Linux, TCP_RXT_CONNDROPTIME on macOS, TCP_MAXRT on Windows (whole seconds there)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l backoff-base -d 'Backoff base: the first delay is random in 0..BASE, then the window doubles' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l backoff-max -d 'Largest backoff window' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l max-retries -d 'Give up after N reconnect attempts in a row [default: no limit]' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l expect -d 'A received message must match REGEX (repeatable, in order); exit 0 once all matched' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l expect-json -d 'A received JSON message must have PATH equal to VALUE (JSON pointer /a/0/b or dotted a.0.b; VALUE is JSON, or else a string); repeatable, checked in order with --expect' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l expect-timeout -d 'How long each expectation may wait for its match' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l expect-close -d 'The server must close the connection with this code' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l max-rtt -d 'Fail when the ping (or --echo-rtt) p99 round-trip time is above DUR' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l max-loss -d 'Fail when more than PCT percent of pings are lost' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -s H -l header -d 'Add a request header (repeatable); @FILE reads headers from FILE, one per line' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l from-curl -d 'Take the URL, headers, cookies, subprotocols and -k from a curl command, as a browser\'s developer tools copy it ("Copy as cURL"); its WebSocket handshake headers are made anew' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l origin -d 'Origin header value' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -s s -l subprotocol -d 'Offer a subprotocol (repeatable, in order of preference)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l auth -d 'HTTP Basic authentication' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l bearer -d 'Authorization: Bearer TOKEN' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l deflate-params -d 'Offer permessage-deflate with these parameters, e.g. \'server_no_context_takeover; server_max_window_bits=10\' (implies --deflate)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l connect-timeout -d 'Bound on DNS resolution plus TCP connect' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l handshake-timeout -d 'Bound on the TLS handshake plus the HTTP upgrade' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l cacert -d 'Trust only the CA certificates in this PEM file (instead of the built-in and system roots)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l cert -d 'Client certificate chain (PEM), for servers that require client authentication' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l key -d 'Private key for --cert (PEM)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l sni -d 'Server name sent in TLS SNI and checked against the certificate [default: URL host]' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l unix-socket -d 'Connect to this Unix-domain socket instead of the URL\'s host and port, which still give the Host header, the TLS server name and the path (as curl\'s --unix-socket); a missing path or a file that is not a socket exits 3. Not on Windows' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l abstract-unix-socket -d 'Like --unix-socket, with a Linux abstract socket name (no file). Linux only' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l proxy -d 'Connect through this proxy: http:// (HTTP CONNECT), https:// (TLS to the proxy, then CONNECT), socks5:// (wsdiag resolves the server\'s name) or socks5h:// (the proxy does); USER:PASS@ in the URL authenticates. \'\' means no proxy [default: http_proxy for ws://, https_proxy or HTTPS_PROXY for wss://, else all_proxy or ALL_PROXY]' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l proxy-user -d 'Proxy credentials (Basic for HTTP proxies, RFC 1929 for SOCKS5); overrides the URL\'s' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l proxy-header -d 'Add a header to the CONNECT request (repeatable)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l noproxy -d 'Hosts reached without the proxy: comma-separated names (with their subdomains), IP addresses, CIDR ranges, or \'*\' for all; overrides no_proxy and NO_PROXY' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l proxy-cacert -d 'Trust only the CA certificates in this PEM file for an https:// proxy' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l color -d 'When to use colors (NO_COLOR in the environment means never, unless \'always\')' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l binary -d 'Send messages as binary frames instead of text'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l hex -d 'Decode each message from hex before sending (implies --binary)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l base64 -d 'Decode each message from base64 before sending (implies --binary)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l no-stdin -d 'Do not read messages from stdin'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l echo -d 'Send every data message received back unchanged (same type, same bytes), as a client echo; stdin is not read'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l commands -d 'Stdin lines are REPL commands (/ping, /raw, /close …), not messages, also on a pipe'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l keep-going -d 'With --commands, a malformed command is reported and skipped instead of ending the run (exit 2)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l no-history -d 'Do not read or write the REPL\'s history file ($XDG_STATE_HOME/wsdiag/history on Linux, ~/Library/Application Support/wsdiag/history on macOS, %APPDATA%\\wsdiag\\history on Windows)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l echo-rtt -d 'Match each message sent with its echo and report application round-trip times'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l reconnect -d 'Re-establish a lost connection with exponential backoff and full jitter'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l deflate -d 'Offer permessage-deflate (RFC 7692) as browsers do ("permessage-deflate; client_max_window_bits") and use it if the server agrees'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -s k -l insecure -d 'Do not verify the server\'s certificate (prints a warning)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l http2 -d 'WebSocket over HTTP/2 (RFC 8441), as browsers open it on an h2 origin: offer ALPN h2 in TLS (wss:// only) and send an extended CONNECT; exit 5 if the server does not select h2 or does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l http2-prior-knowledge -d 'WebSocket over HTTP/2 without asking first: cleartext h2c on ws://, or h2 over TLS on wss:// whatever ALPN selects (as curl\'s --http2-prior-knowledge)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l proxy-insecure -d 'Do not verify an https:// proxy\'s certificate'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -s v -l verbose -d '-v: handshake and timings on stderr; -vv: also every frame both ways'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l frames -d 'Show every frame both ways (same as -vv)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l json -d 'Print NDJSON events on stdout, one object per line (schema: docs/json.md)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l show-secrets -d 'Show Authorization, Cookie and similar header values instead of masking them'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -l timestamps -d 'Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -s h -l help -d 'Print help'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand connect" -s V -l version -d 'Print version'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -s p -l port -d 'Port to listen on (0: an ephemeral port, printed on stderr)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -s b -l bind -d 'Address to bind (anything wider than loopback must be asked for)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l unix-socket -d 'Serve on this Unix-domain socket instead of TCP. The file is created with mode 0600 (only the owner may connect) and removed at exit; a stale socket file is replaced, one a server still answers on is not (exit 3). Not on Windows' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l abstract-unix-socket -d 'Serve on a Linux abstract Unix socket (a name, no file). Linux only' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l max-connections -d 'Refuse connections beyond this many upgraded sessions at once' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l max-pending -d 'At most this many connections still in their TLS handshake or upgrade; a new one drops the oldest if it has waited a second, so slow or silent clients cannot lock others out' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l max-message -d 'Largest message accepted (bigger ones close the connection with 1009)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l handshake-timeout -d 'Bound on a client\'s TLS handshake plus HTTP upgrade' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -s s -l subprotocol -d 'Accept only these subprotocols (repeatable); the first one the client offers is selected' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -s H -l header -d 'Add a header to every 101 response (repeatable)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l cert -d 'Serve TLS with this certificate chain (PEM)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l key -d 'Private key for --cert (PEM)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l max-runtime -d 'Stop after this long (servers otherwise run until Ctrl-C)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l deflate-params -d 'What to ask of a client that offers permessage-deflate, e.g. \'client_no_context_takeover; server_max_window_bits=10\' (the client\'s own requests are honoured too)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -s n -l count -d 'Exit 0 after N messages have been received (from all clients)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l expect -d 'A received message must match REGEX (repeatable, in order); exit 0 once all matched' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l expect-timeout -d 'How long each --expect may wait for its match' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l ping-interval -d 'Ping each client every DUR and print each round-trip time' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l replay -d 'A mock server: play the server\'s side of a recording (a connect --record file, or a HAR file\'s first WebSocket entry) to each client, checking what it sends (stdin is not read)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l record -d 'Also write every connection to FILE as a versioned NDJSON record with headers and messages in full; `wsdiag replay FILE URL` replays the first client against URL' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l reply-timeout -d 'With --replay: bound on the wait for each recorded client message, from when it was due' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l color -d 'When to use colors (NO_COLOR in the environment means never, unless \'always\')' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l tls-self-signed -d 'Serve TLS with a fresh self-signed certificate for localhost (its SHA-256 fingerprint is printed)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l no-deflate -d 'Decline permessage-deflate (RFC 7692), which is otherwise accepted when a client offers it'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l no-http2 -d 'Serve HTTP/1.1 only: no ALPN h2 over TLS, and no cleartext HTTP/2 (h2c, prior knowledge). Otherwise WebSockets are served over HTTP/2 too, as extended CONNECT streams (RFC 8441), the way browsers open them on an h2 connection'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l once -d 'Serve a single client, then exit with its connection\'s outcome (1 when no client connected before --max-runtime)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l binary -d 'Send stdin lines as binary messages'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l no-stdin -d 'Do not read stdin'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l commands -d 'Stdin lines are REPL commands (/ping, /raw, /close …), not messages, also on a pipe'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l keep-going -d 'With --commands, a malformed command is reported and skipped instead of ending the run (exit 2)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l no-history -d 'Do not read or write the REPL\'s history file ($XDG_STATE_HOME/wsdiag/history on Linux, ~/Library/Application Support/wsdiag/history on macOS, %APPDATA%\\wsdiag\\history on Windows)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -s v -l verbose -d '-v: handshake and timings on stderr; -vv: also every frame both ways'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l frames -d 'Show every frame both ways (same as -vv)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l json -d 'Print NDJSON events on stdout, one object per line (schema: docs/json.md)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l show-secrets -d 'Show Authorization, Cookie and similar header values instead of masking them'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -l timestamps -d 'Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -s h -l help -d 'Print help'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand listen" -s V -l version -d 'Print version'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -s p -l port -d 'Port to listen on (0: an ephemeral port, printed on stderr)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -s b -l bind -d 'Address to bind (anything wider than loopback must be asked for)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l unix-socket -d 'Serve on this Unix-domain socket instead of TCP. The file is created with mode 0600 (only the owner may connect) and removed at exit; a stale socket file is replaced, one a server still answers on is not (exit 3). Not on Windows' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l abstract-unix-socket -d 'Serve on a Linux abstract Unix socket (a name, no file). Linux only' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l max-connections -d 'Refuse connections beyond this many upgraded sessions at once' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l max-pending -d 'At most this many connections still in their TLS handshake or upgrade; a new one drops the oldest if it has waited a second, so slow or silent clients cannot lock others out' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l max-message -d 'Largest message accepted (bigger ones close the connection with 1009)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l handshake-timeout -d 'Bound on a client\'s TLS handshake plus HTTP upgrade' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -s s -l subprotocol -d 'Accept only these subprotocols (repeatable); the first one the client offers is selected' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -s H -l header -d 'Add a header to every 101 response (repeatable)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l cert -d 'Serve TLS with this certificate chain (PEM)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l key -d 'Private key for --cert (PEM)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l max-runtime -d 'Stop after this long (servers otherwise run until Ctrl-C)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l deflate-params -d 'What to ask of a client that offers permessage-deflate, e.g. \'client_no_context_takeover; server_max_window_bits=10\' (the client\'s own requests are honoured too)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l delay -d 'Wait this long before each echo' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l drop-after -d 'Reset the connection (TCP RST) after echoing N messages' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l close-after -d 'Close each connection this long after it opened, with --close-code' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l close-code -d 'Close code for --close-after' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l close-reason -d 'Close reason for --close-after' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l idle-timeout -d 'Close silently (TCP FIN, no close frame) after DUR without traffic, like a proxy\'s idle timeout' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l ping-interval -d 'Ping each client every DUR' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l push-every -d 'Send an unsolicited text message ("push N") every DUR' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l reject -d 'Refuse every upgrade with this HTTP status and a short body' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l deflate-fault -d 'Break permessage-deflate on purpose: unnegotiated (compressed messages although the offer was declined), corrupt (compressed data that does not inflate), break-context (context kept across messages despite server_no_context_takeover)' -r -f -a "unnegotiated\t''
corrupt\t''
break-context\t''"
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l color -d 'When to use colors (NO_COLOR in the environment means never, unless \'always\')' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l tls-self-signed -d 'Serve TLS with a fresh self-signed certificate for localhost (its SHA-256 fingerprint is printed)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l no-deflate -d 'Decline permessage-deflate (RFC 7692), which is otherwise accepted when a client offers it'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l no-http2 -d 'Serve HTTP/1.1 only: no ALPN h2 over TLS, and no cleartext HTTP/2 (h2c, prior knowledge). Otherwise WebSockets are served over HTTP/2 too, as extended CONNECT streams (RFC 8441), the way browsers open them on an h2 connection'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l no-pong -d 'Ignore pings (a dead server that still holds TCP)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l companion -d 'Answer heartbeat-probe\'s in-band push requests ("wsdiag-companion …", see docs/heartbeat-probe.md), so it can test server-to-client traffic'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -s v -l verbose -d '-v: handshake and timings on stderr; -vv: also every frame both ways'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l frames -d 'Show every frame both ways (same as -vv)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l json -d 'Print NDJSON events on stdout, one object per line (schema: docs/json.md)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l show-secrets -d 'Show Authorization, Cookie and similar header values instead of masking them'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -l timestamps -d 'Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -s h -l help -d 'Print help'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand echo" -s V -l version -d 'Print version'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l version -d 'Sec-WebSocket-Version to send (another value shows the server\'s 426 reply)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l ws-key -d 'Fixed Sec-WebSocket-Key (16 bytes, base64), for reproducible output (--key is the TLS client key, as in connect)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l method -d 'Request method (RFC 6455 requires GET; others test the server\'s reaction)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -s H -l header -d 'Add a request header (repeatable); @FILE reads headers from FILE, one per line' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l from-curl -d 'Take the URL, headers, cookies, subprotocols and -k from a curl command, as a browser\'s developer tools copy it ("Copy as cURL"); its WebSocket handshake headers are made anew' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l origin -d 'Origin header value' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -s s -l subprotocol -d 'Offer a subprotocol (repeatable, in order of preference)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l auth -d 'HTTP Basic authentication' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l bearer -d 'Authorization: Bearer TOKEN' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l deflate-params -d 'Offer permessage-deflate with these parameters, e.g. \'server_no_context_takeover; server_max_window_bits=10\' (implies --deflate)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l connect-timeout -d 'Bound on DNS resolution plus TCP connect' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l handshake-timeout -d 'Bound on the TLS handshake plus the HTTP upgrade' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l cacert -d 'Trust only the CA certificates in this PEM file (instead of the built-in and system roots)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l cert -d 'Client certificate chain (PEM), for servers that require client authentication' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l key -d 'Private key for --cert (PEM)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l sni -d 'Server name sent in TLS SNI and checked against the certificate [default: URL host]' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l unix-socket -d 'Connect to this Unix-domain socket instead of the URL\'s host and port, which still give the Host header, the TLS server name and the path (as curl\'s --unix-socket); a missing path or a file that is not a socket exits 3. Not on Windows' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l abstract-unix-socket -d 'Like --unix-socket, with a Linux abstract socket name (no file). Linux only' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l proxy -d 'Connect through this proxy: http:// (HTTP CONNECT), https:// (TLS to the proxy, then CONNECT), socks5:// (wsdiag resolves the server\'s name) or socks5h:// (the proxy does); USER:PASS@ in the URL authenticates. \'\' means no proxy [default: http_proxy for ws://, https_proxy or HTTPS_PROXY for wss://, else all_proxy or ALL_PROXY]' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l proxy-user -d 'Proxy credentials (Basic for HTTP proxies, RFC 1929 for SOCKS5); overrides the URL\'s' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l proxy-header -d 'Add a header to the CONNECT request (repeatable)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l noproxy -d 'Hosts reached without the proxy: comma-separated names (with their subdomains), IP addresses, CIDR ranges, or \'*\' for all; overrides no_proxy and NO_PROXY' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l proxy-cacert -d 'Trust only the CA certificates in this PEM file for an https:// proxy' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l color -d 'When to use colors (NO_COLOR in the environment means never, unless \'always\')' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l raw -d 'Print the request and response bytes exactly as sent and received, without prefixes'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -s L -l follow -d 'Follow 3xx redirects (at most 10), showing each hop'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l no-close -d 'Do not close the connection after a successful upgrade (drop it without a close frame)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l deflate -d 'Offer permessage-deflate (RFC 7692) as browsers do ("permessage-deflate; client_max_window_bits") and use it if the server agrees'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -s k -l insecure -d 'Do not verify the server\'s certificate (prints a warning)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l http2 -d 'WebSocket over HTTP/2 (RFC 8441), as browsers open it on an h2 origin: offer ALPN h2 in TLS (wss:// only) and send an extended CONNECT; exit 5 if the server does not select h2 or does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l http2-prior-knowledge -d 'WebSocket over HTTP/2 without asking first: cleartext h2c on ws://, or h2 over TLS on wss:// whatever ALPN selects (as curl\'s --http2-prior-knowledge)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l proxy-insecure -d 'Do not verify an https:// proxy\'s certificate'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l json -d 'Print one JSON document instead of the report (schema: docs/json.md)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -l show-secrets -d 'Show Authorization, Cookie and similar header values instead of masking them'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand handshake-inspect" -s h -l help -d 'Print help'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l min -d 'The shortest idle time tried' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l max -d 'The longest idle time tried' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l resolution -d 'Stop refining when the bounds are this close [default: 2s or 2% of the lower bound, whichever is larger]' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l parallel -d 'Trials per round; up to three rounds overlap (so up to 3×N connections); 1 runs one at a time (doubling, then bisection), for servers that limit connections' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l confirm -d 'Trials at each bound in the final round (0: no confirm round)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l pong-timeout -d 'How long the answer to a trial\'s keepalive may take (also the TCP_USER_TIMEOUT of trials)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l kind -d 'What a trial sends after its idle time' -r -f -a "ws-ping\t'A ping frame with a random payload'
data\t'A text message (--payload); any answer, or one matching --expect'
tcp-keepalive\t'TCP keepalive probes (the kernel\'s), answered by their acknowledgement (Linux only)'
h2-ping\t'HTTP/2 PING frames, answered by the first HTTP/2 endpoint on the path (a proxy answers them itself); with --http2 or --http2-prior-knowledge'"
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l payload -d 'The message a `--kind data` trial sends' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l expect -d 'With --kind data: the answer must match this regex' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l fail-below -d 'Exit 1 when connections idle for less than DUR already die (a CI gate)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l verify -d 'Instead of searching: hold one connection with a ping every DUR (±10 % jitter) for --for, and report whether it survived (exit 1 when it did not)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l for -d 'How long --verify holds the connection' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l prometheus -d 'Write the result as node-exporter textfile metrics to FILE (replaced atomically)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -s H -l header -d 'Add a request header (repeatable); @FILE reads headers from FILE, one per line' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l from-curl -d 'Take the URL, headers, cookies, subprotocols and -k from a curl command, as a browser\'s developer tools copy it ("Copy as cURL"); its WebSocket handshake headers are made anew' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l origin -d 'Origin header value' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -s s -l subprotocol -d 'Offer a subprotocol (repeatable, in order of preference)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l auth -d 'HTTP Basic authentication' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l bearer -d 'Authorization: Bearer TOKEN' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l deflate-params -d 'Offer permessage-deflate with these parameters, e.g. \'server_no_context_takeover; server_max_window_bits=10\' (implies --deflate)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l connect-timeout -d 'Bound on DNS resolution plus TCP connect' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l handshake-timeout -d 'Bound on the TLS handshake plus the HTTP upgrade' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l cacert -d 'Trust only the CA certificates in this PEM file (instead of the built-in and system roots)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l cert -d 'Client certificate chain (PEM), for servers that require client authentication' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l key -d 'Private key for --cert (PEM)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l sni -d 'Server name sent in TLS SNI and checked against the certificate [default: URL host]' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l unix-socket -d 'Connect to this Unix-domain socket instead of the URL\'s host and port, which still give the Host header, the TLS server name and the path (as curl\'s --unix-socket); a missing path or a file that is not a socket exits 3. Not on Windows' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l abstract-unix-socket -d 'Like --unix-socket, with a Linux abstract socket name (no file). Linux only' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l proxy -d 'Connect through this proxy: http:// (HTTP CONNECT), https:// (TLS to the proxy, then CONNECT), socks5:// (wsdiag resolves the server\'s name) or socks5h:// (the proxy does); USER:PASS@ in the URL authenticates. \'\' means no proxy [default: http_proxy for ws://, https_proxy or HTTPS_PROXY for wss://, else all_proxy or ALL_PROXY]' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l proxy-user -d 'Proxy credentials (Basic for HTTP proxies, RFC 1929 for SOCKS5); overrides the URL\'s' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l proxy-header -d 'Add a header to the CONNECT request (repeatable)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l noproxy -d 'Hosts reached without the proxy: comma-separated names (with their subdomains), IP addresses, CIDR ranges, or \'*\' for all; overrides no_proxy and NO_PROXY' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l proxy-cacert -d 'Trust only the CA certificates in this PEM file for an https:// proxy' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l color -d 'When to use colors (NO_COLOR in the environment means never, unless \'always\')' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l classify -d 'After the search: which keepalive kinds (ws-ping, data, tcp-keepalive, and over HTTP/2 h2-ping) keep a connection alive past the timeout (client-to-server traffic)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l deflate -d 'Offer permessage-deflate (RFC 7692) as browsers do ("permessage-deflate; client_max_window_bits") and use it if the server agrees'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -s k -l insecure -d 'Do not verify the server\'s certificate (prints a warning)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l http2 -d 'WebSocket over HTTP/2 (RFC 8441), as browsers open it on an h2 origin: offer ALPN h2 in TLS (wss:// only) and send an extended CONNECT; exit 5 if the server does not select h2 or does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l http2-prior-knowledge -d 'WebSocket over HTTP/2 without asking first: cleartext h2c on ws://, or h2 over TLS on wss:// whatever ALPN selects (as curl\'s --http2-prior-knowledge)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l proxy-insecure -d 'Do not verify an https:// proxy\'s certificate'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -s v -l verbose -d '-v: handshake and timings on stderr; -vv: also every frame both ways'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l frames -d 'Show every frame both ways (same as -vv)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l json -d 'Print NDJSON events on stdout, one object per line (schema: docs/json.md)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l show-secrets -d 'Show Authorization, Cookie and similar header values instead of masking them'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -l timestamps -d 'Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand heartbeat-probe" -s V -l version -d 'Print version'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l entry -d 'Replay only the Nth WebSocket entry of a HAR file (from 1)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l url-match -d 'Replay only the HAR entries whose URL matches REGEX' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l speed -d 'Divide the recorded gaps between messages by F: 2 is twice as fast; 0 sends each message as soon as the replies recorded before it are in' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l reply-timeout -d 'Bound on the wait for each recorded server message, from when it was due' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l ignore -d 'Leave out this JSON pointer (RFC 6901, e.g. /ts or /items/0/id) of JSON messages when comparing (repeatable)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l match-regex -d 'Text matching REGEX may differ: such spans are blanked in both messages before comparing (repeatable)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l report -d 'How the result is printed on stdout' -r -f -a "human\t'A few lines for people'
json\t'One JSON document (schema: docs/json.md)'"
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -s H -l header -d 'Add a request header (repeatable); @FILE reads headers from FILE, one per line' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l from-curl -d 'Take the URL, headers, cookies, subprotocols and -k from a curl command, as a browser\'s developer tools copy it ("Copy as cURL"); its WebSocket handshake headers are made anew' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l origin -d 'Origin header value' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -s s -l subprotocol -d 'Offer a subprotocol (repeatable, in order of preference)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l auth -d 'HTTP Basic authentication' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l bearer -d 'Authorization: Bearer TOKEN' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l deflate-params -d 'Offer permessage-deflate with these parameters, e.g. \'server_no_context_takeover; server_max_window_bits=10\' (implies --deflate)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l connect-timeout -d 'Bound on DNS resolution plus TCP connect' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l handshake-timeout -d 'Bound on the TLS handshake plus the HTTP upgrade' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l cacert -d 'Trust only the CA certificates in this PEM file (instead of the built-in and system roots)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l cert -d 'Client certificate chain (PEM), for servers that require client authentication' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l key -d 'Private key for --cert (PEM)' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l sni -d 'Server name sent in TLS SNI and checked against the certificate [default: URL host]' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l unix-socket -d 'Connect to this Unix-domain socket instead of the URL\'s host and port, which still give the Host header, the TLS server name and the path (as curl\'s --unix-socket); a missing path or a file that is not a socket exits 3. Not on Windows' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l abstract-unix-socket -d 'Like --unix-socket, with a Linux abstract socket name (no file). Linux only' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l proxy -d 'Connect through this proxy: http:// (HTTP CONNECT), https:// (TLS to the proxy, then CONNECT), socks5:// (wsdiag resolves the server\'s name) or socks5h:// (the proxy does); USER:PASS@ in the URL authenticates. \'\' means no proxy [default: http_proxy for ws://, https_proxy or HTTPS_PROXY for wss://, else all_proxy or ALL_PROXY]' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l proxy-user -d 'Proxy credentials (Basic for HTTP proxies, RFC 1929 for SOCKS5); overrides the URL\'s' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l proxy-header -d 'Add a header to the CONNECT request (repeatable)' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l noproxy -d 'Hosts reached without the proxy: comma-separated names (with their subdomains), IP addresses, CIDR ranges, or \'*\' for all; overrides no_proxy and NO_PROXY' -r
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l proxy-cacert -d 'Trust only the CA certificates in this PEM file for an https:// proxy' -r -F
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l color -d 'When to use colors (NO_COLOR in the environment means never, unless \'always\')' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l deflate -d 'Offer permessage-deflate (RFC 7692) as browsers do ("permessage-deflate; client_max_window_bits") and use it if the server agrees'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -s k -l insecure -d 'Do not verify the server\'s certificate (prints a warning)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l http2 -d 'WebSocket over HTTP/2 (RFC 8441), as browsers open it on an h2 origin: offer ALPN h2 in TLS (wss:// only) and send an extended CONNECT; exit 5 if the server does not select h2 or does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l http2-prior-knowledge -d 'WebSocket over HTTP/2 without asking first: cleartext h2c on ws://, or h2 over TLS on wss:// whatever ALPN selects (as curl\'s --http2-prior-knowledge)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l proxy-insecure -d 'Do not verify an https:// proxy\'s certificate'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -s v -l verbose -d '-v: handshake and timings on stderr; -vv: also every frame both ways'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l frames -d 'Show every frame both ways (same as -vv)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l json -d 'Print NDJSON events on stdout, one object per line (schema: docs/json.md)'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l show-secrets -d 'Show Authorization, Cookie and similar header values instead of masking them'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -l timestamps -d 'Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand replay" -s V -l version -d 'Print version'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand help; and not __fish_seen_subcommand_from connect listen echo handshake-inspect heartbeat-probe replay help" -f -a "connect" -d 'Connect to a WebSocket server, send messages and print what comes back'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand help; and not __fish_seen_subcommand_from connect listen echo handshake-inspect heartbeat-probe replay help" -f -a "listen" -d 'Accept WebSocket clients, print what they send and talk back from stdin'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand help; and not __fish_seen_subcommand_from connect listen echo handshake-inspect heartbeat-probe replay help" -f -a "echo" -d 'Run an echo server, with fault injection, for testing clients'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand help; and not __fish_seen_subcommand_from connect listen echo handshake-inspect heartbeat-probe replay help" -f -a "handshake-inspect" -d 'Perform only the opening handshake, show it exactly and judge it against RFC 6455'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand help; and not __fish_seen_subcommand_from connect listen echo handshake-inspect heartbeat-probe replay help" -f -a "heartbeat-probe" -d 'Find how long an idle connection survives on a path, how the path kills it, and the heartbeat interval that keeps it alive'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand help; and not __fish_seen_subcommand_from connect listen echo handshake-inspect heartbeat-probe replay help" -f -a "replay" -d 'Replay a recorded session (a browser\'s HAR export, or connect --record) against a server and check that its replies are the recorded ones'
complete -c wsdiag -n "__fish_wsdiag_using_subcommand help; and not __fish_seen_subcommand_from connect listen echo handshake-inspect heartbeat-probe replay help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
