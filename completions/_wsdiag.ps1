
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'wsdiag' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'wsdiag'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'wsdiag' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Connect to a WebSocket server, send messages and print what comes back')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Accept WebSocket clients, print what they send and talk back from stdin')
            [CompletionResult]::new('echo', 'echo', [CompletionResultType]::ParameterValue, 'Run an echo server, with fault injection, for testing clients')
            [CompletionResult]::new('handshake-inspect', 'handshake-inspect', [CompletionResultType]::ParameterValue, 'Perform only the opening handshake, show it exactly and judge it against RFC 6455')
            [CompletionResult]::new('heartbeat-probe', 'heartbeat-probe', [CompletionResultType]::ParameterValue, 'Find how long an idle connection survives on a path, how the path kills it, and the heartbeat interval that keeps it alive')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wsdiag;connect' {
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Send MSG after connecting (repeatable; sent in order, before stdin lines)')
            [CompletionResult]::new('--send', '--send', [CompletionResultType]::ParameterName, 'Send MSG after connecting (repeatable; sent in order, before stdin lines)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Exit after N messages have been received')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after N messages have been received')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'After the last send, wait this long for replies, then close [default: until the peer closes, --count is met or --timeout expires]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'After the last send, wait this long for replies, then close [default: until the peer closes, --count is met or --timeout expires]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on the whole run; when it expires wsdiag closes and exits 7')
            [CompletionResult]::new('--close-code', '--close-code', [CompletionResultType]::ParameterName, 'Close code sent when wsdiag closes the connection')
            [CompletionResult]::new('--close-reason', '--close-reason', [CompletionResultType]::ParameterName, 'Close reason sent when wsdiag closes the connection (at most 123 bytes)')
            [CompletionResult]::new('--max-message', '--max-message', [CompletionResultType]::ParameterName, 'Largest message or frame accepted, in bytes; a bigger one ends the run, after a close with 1009 (message too big), with exit 6. 0 for no limit')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Send a ping every DUR and print each round-trip time')
            [CompletionResult]::new('--ping-count', '--ping-count', [CompletionResultType]::ParameterName, 'Stop after N pings (answered or timed out) and print ping(8)-style statistics')
            [CompletionResult]::new('--ping-timeout', '--ping-timeout', [CompletionResultType]::ParameterName, 'A ping unanswered this long counts as lost (a later pong counts as late)')
            [CompletionResult]::new('--heartbeat', '--heartbeat', [CompletionResultType]::ParameterName, 'Keep the connection alive with a ping every DUR (±10 % jitter); see --heartbeat-misses')
            [CompletionResult]::new('--heartbeat-misses', '--heartbeat-misses', [CompletionResultType]::ParameterName, 'Declare the connection dead after N heartbeats in a row go unanswered')
            [CompletionResult]::new('--heartbeat-message', '--heartbeat-message', [CompletionResultType]::ParameterName, 'Send this text message as the heartbeat instead of a ping frame')
            [CompletionResult]::new('--heartbeat-expect', '--heartbeat-expect', [CompletionResultType]::ParameterName, 'With --heartbeat-message: only a message matching REGEX answers it [default: any message]')
            [CompletionResult]::new('--tcp-keepalive', '--tcp-keepalive', [CompletionResultType]::ParameterName, 'Enable TCP keepalive probes after DUR idle (every DUR after that)')
            [CompletionResult]::new('--tcp-user-timeout', '--tcp-user-timeout', [CompletionResultType]::ParameterName, 'Fail when sent data stays unacknowledged this long (black-holed paths): TCP_USER_TIMEOUT on Linux, TCP_RXT_CONNDROPTIME on macOS, TCP_MAXRT on Windows (whole seconds there)')
            [CompletionResult]::new('--backoff-base', '--backoff-base', [CompletionResultType]::ParameterName, 'Backoff base: the first delay is random in 0..BASE, then the window doubles')
            [CompletionResult]::new('--backoff-max', '--backoff-max', [CompletionResultType]::ParameterName, 'Largest backoff window')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Give up after N reconnect attempts in a row [default: no limit]')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'A received message must match REGEX (repeatable, in order); exit 0 once all matched')
            [CompletionResult]::new('--expect-json', '--expect-json', [CompletionResultType]::ParameterName, 'A received JSON message must have PATH equal to VALUE (JSON pointer /a/0/b or dotted a.0.b; VALUE is JSON, or else a string); repeatable, checked in order with --expect')
            [CompletionResult]::new('--expect-timeout', '--expect-timeout', [CompletionResultType]::ParameterName, 'How long each expectation may wait for its match')
            [CompletionResult]::new('--expect-close', '--expect-close', [CompletionResultType]::ParameterName, 'The server must close the connection with this code')
            [CompletionResult]::new('--max-rtt', '--max-rtt', [CompletionResultType]::ParameterName, 'Fail when the ping (or --echo-rtt) p99 round-trip time is above DUR')
            [CompletionResult]::new('--max-loss', '--max-loss', [CompletionResultType]::ParameterName, 'Fail when more than PCT percent of pings are lost')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a request header (repeatable); @FILE reads headers from FILE, one per line')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a request header (repeatable); @FILE reads headers from FILE, one per line')
            [CompletionResult]::new('--from-curl', '--from-curl', [CompletionResultType]::ParameterName, 'Take the URL, headers, cookies, subprotocols and -k from a curl command, as a browser''s developer tools copy it ("Copy as cURL"); its WebSocket handshake headers are made anew')
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'Origin header value')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Offer a subprotocol (repeatable, in order of preference)')
            [CompletionResult]::new('--subprotocol', '--subprotocol', [CompletionResultType]::ParameterName, 'Offer a subprotocol (repeatable, in order of preference)')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'HTTP Basic authentication')
            [CompletionResult]::new('--bearer', '--bearer', [CompletionResultType]::ParameterName, 'Authorization: Bearer TOKEN')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Bound on DNS resolution plus TCP connect')
            [CompletionResult]::new('--handshake-timeout', '--handshake-timeout', [CompletionResultType]::ParameterName, 'Bound on the TLS handshake plus the HTTP upgrade')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust only the CA certificates in this PEM file (instead of the built-in and system roots)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate chain (PEM), for servers that require client authentication')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key for --cert (PEM)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name sent in TLS SNI and checked against the certificate [default: URL host]')
            [CompletionResult]::new('--unix-socket', '--unix-socket', [CompletionResultType]::ParameterName, 'Connect to this Unix-domain socket instead of the URL''s host and port, which still give the Host header, the TLS server name and the path (as curl''s --unix-socket); a missing path or a file that is not a socket exits 3. Not on Windows')
            [CompletionResult]::new('--abstract-unix-socket', '--abstract-unix-socket', [CompletionResultType]::ParameterName, 'Like --unix-socket, with a Linux abstract socket name (no file). Linux only')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Connect through this proxy: http:// (HTTP CONNECT), https:// (TLS to the proxy, then CONNECT), socks5:// (wsdiag resolves the server''s name) or socks5h:// (the proxy does); USER:PASS@ in the URL authenticates. '''' means no proxy [default: http_proxy for ws://, https_proxy or HTTPS_PROXY for wss://, else all_proxy or ALL_PROXY]')
            [CompletionResult]::new('--proxy-user', '--proxy-user', [CompletionResultType]::ParameterName, 'Proxy credentials (Basic for HTTP proxies, RFC 1929 for SOCKS5); overrides the URL''s')
            [CompletionResult]::new('--proxy-header', '--proxy-header', [CompletionResultType]::ParameterName, 'Add a header to the CONNECT request (repeatable)')
            [CompletionResult]::new('--noproxy', '--noproxy', [CompletionResultType]::ParameterName, 'Hosts reached without the proxy: comma-separated names (with their subdomains), IP addresses, CIDR ranges, or ''*'' for all; overrides no_proxy and NO_PROXY')
            [CompletionResult]::new('--proxy-cacert', '--proxy-cacert', [CompletionResultType]::ParameterName, 'Trust only the CA certificates in this PEM file for an https:// proxy')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR in the environment means never, unless ''always'')')
            [CompletionResult]::new('--binary', '--binary', [CompletionResultType]::ParameterName, 'Send messages as binary frames instead of text')
            [CompletionResult]::new('--hex', '--hex', [CompletionResultType]::ParameterName, 'Decode each message from hex before sending (implies --binary)')
            [CompletionResult]::new('--base64', '--base64', [CompletionResultType]::ParameterName, 'Decode each message from base64 before sending (implies --binary)')
            [CompletionResult]::new('--no-stdin', '--no-stdin', [CompletionResultType]::ParameterName, 'Do not read messages from stdin')
            [CompletionResult]::new('--echo', '--echo', [CompletionResultType]::ParameterName, 'Send every data message received back unchanged (same type, same bytes), as a client echo; stdin is not read')
            [CompletionResult]::new('--commands', '--commands', [CompletionResultType]::ParameterName, 'Stdin lines are REPL commands (/ping, /raw, /close …), not messages, also on a pipe')
            [CompletionResult]::new('--keep-going', '--keep-going', [CompletionResultType]::ParameterName, 'With --commands, a malformed command is reported and skipped instead of ending the run (exit 2)')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Do not read or write the REPL''s history file ($XDG_STATE_HOME/wsdiag/history on Linux, ~/Library/Application Support/wsdiag/history on macOS, %APPDATA%\wsdiag\history on Windows)')
            [CompletionResult]::new('--echo-rtt', '--echo-rtt', [CompletionResultType]::ParameterName, 'Match each message sent with its echo and report application round-trip times')
            [CompletionResult]::new('--reconnect', '--reconnect', [CompletionResultType]::ParameterName, 'Re-establish a lost connection with exponential backoff and full jitter')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate (prints a warning)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate (prints a warning)')
            [CompletionResult]::new('--proxy-insecure', '--proxy-insecure', [CompletionResultType]::ParameterName, 'Do not verify an https:// proxy''s certificate')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, '-v: handshake and timings on stderr; -vv: also every frame both ways')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, '-v: handshake and timings on stderr; -vv: also every frame both ways')
            [CompletionResult]::new('--frames', '--frames', [CompletionResultType]::ParameterName, 'Show every frame both ways (same as -vv)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print NDJSON events on stdout, one object per line (schema: docs/json.md)')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Show Authorization, Cookie and similar header values instead of masking them')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wsdiag;listen' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port to listen on (0: an ephemeral port, printed on stderr)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on (0: an ephemeral port, printed on stderr)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Address to bind (anything wider than loopback must be asked for)')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to bind (anything wider than loopback must be asked for)')
            [CompletionResult]::new('--unix-socket', '--unix-socket', [CompletionResultType]::ParameterName, 'Serve on this Unix-domain socket instead of TCP. The file is created with mode 0600 (only the owner may connect) and removed at exit; a stale socket file is replaced, one a server still answers on is not (exit 3). Not on Windows')
            [CompletionResult]::new('--abstract-unix-socket', '--abstract-unix-socket', [CompletionResultType]::ParameterName, 'Serve on a Linux abstract Unix socket (a name, no file). Linux only')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Refuse connections beyond this many upgraded sessions at once')
            [CompletionResult]::new('--max-pending', '--max-pending', [CompletionResultType]::ParameterName, 'At most this many connections still in their TLS handshake or upgrade; a new one drops the oldest if it has waited a second, so slow or silent clients cannot lock others out')
            [CompletionResult]::new('--max-message', '--max-message', [CompletionResultType]::ParameterName, 'Largest message accepted (bigger ones close the connection with 1009)')
            [CompletionResult]::new('--handshake-timeout', '--handshake-timeout', [CompletionResultType]::ParameterName, 'Bound on a client''s TLS handshake plus HTTP upgrade')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Accept only these subprotocols (repeatable); the first one the client offers is selected')
            [CompletionResult]::new('--subprotocol', '--subprotocol', [CompletionResultType]::ParameterName, 'Accept only these subprotocols (repeatable); the first one the client offers is selected')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a header to every 101 response (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a header to every 101 response (repeatable)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Serve TLS with this certificate chain (PEM)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key for --cert (PEM)')
            [CompletionResult]::new('--max-runtime', '--max-runtime', [CompletionResultType]::ParameterName, 'Stop after this long (servers otherwise run until Ctrl-C)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Exit 0 after N messages have been received (from all clients)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit 0 after N messages have been received (from all clients)')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'A received message must match REGEX (repeatable, in order); exit 0 once all matched')
            [CompletionResult]::new('--expect-timeout', '--expect-timeout', [CompletionResultType]::ParameterName, 'How long each --expect may wait for its match')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Ping each client every DUR and print each round-trip time')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR in the environment means never, unless ''always'')')
            [CompletionResult]::new('--tls-self-signed', '--tls-self-signed', [CompletionResultType]::ParameterName, 'Serve TLS with a fresh self-signed certificate for localhost (its SHA-256 fingerprint is printed)')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Serve a single client, then exit with its connection''s outcome (1 when no client connected before --max-runtime)')
            [CompletionResult]::new('--binary', '--binary', [CompletionResultType]::ParameterName, 'Send stdin lines as binary messages')
            [CompletionResult]::new('--no-stdin', '--no-stdin', [CompletionResultType]::ParameterName, 'Do not read stdin')
            [CompletionResult]::new('--commands', '--commands', [CompletionResultType]::ParameterName, 'Stdin lines are REPL commands (/ping, /raw, /close …), not messages, also on a pipe')
            [CompletionResult]::new('--keep-going', '--keep-going', [CompletionResultType]::ParameterName, 'With --commands, a malformed command is reported and skipped instead of ending the run (exit 2)')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Do not read or write the REPL''s history file ($XDG_STATE_HOME/wsdiag/history on Linux, ~/Library/Application Support/wsdiag/history on macOS, %APPDATA%\wsdiag\history on Windows)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, '-v: handshake and timings on stderr; -vv: also every frame both ways')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, '-v: handshake and timings on stderr; -vv: also every frame both ways')
            [CompletionResult]::new('--frames', '--frames', [CompletionResultType]::ParameterName, 'Show every frame both ways (same as -vv)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print NDJSON events on stdout, one object per line (schema: docs/json.md)')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Show Authorization, Cookie and similar header values instead of masking them')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wsdiag;echo' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port to listen on (0: an ephemeral port, printed on stderr)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on (0: an ephemeral port, printed on stderr)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Address to bind (anything wider than loopback must be asked for)')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to bind (anything wider than loopback must be asked for)')
            [CompletionResult]::new('--unix-socket', '--unix-socket', [CompletionResultType]::ParameterName, 'Serve on this Unix-domain socket instead of TCP. The file is created with mode 0600 (only the owner may connect) and removed at exit; a stale socket file is replaced, one a server still answers on is not (exit 3). Not on Windows')
            [CompletionResult]::new('--abstract-unix-socket', '--abstract-unix-socket', [CompletionResultType]::ParameterName, 'Serve on a Linux abstract Unix socket (a name, no file). Linux only')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Refuse connections beyond this many upgraded sessions at once')
            [CompletionResult]::new('--max-pending', '--max-pending', [CompletionResultType]::ParameterName, 'At most this many connections still in their TLS handshake or upgrade; a new one drops the oldest if it has waited a second, so slow or silent clients cannot lock others out')
            [CompletionResult]::new('--max-message', '--max-message', [CompletionResultType]::ParameterName, 'Largest message accepted (bigger ones close the connection with 1009)')
            [CompletionResult]::new('--handshake-timeout', '--handshake-timeout', [CompletionResultType]::ParameterName, 'Bound on a client''s TLS handshake plus HTTP upgrade')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Accept only these subprotocols (repeatable); the first one the client offers is selected')
            [CompletionResult]::new('--subprotocol', '--subprotocol', [CompletionResultType]::ParameterName, 'Accept only these subprotocols (repeatable); the first one the client offers is selected')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a header to every 101 response (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a header to every 101 response (repeatable)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Serve TLS with this certificate chain (PEM)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key for --cert (PEM)')
            [CompletionResult]::new('--max-runtime', '--max-runtime', [CompletionResultType]::ParameterName, 'Stop after this long (servers otherwise run until Ctrl-C)')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'Wait this long before each echo')
            [CompletionResult]::new('--drop-after', '--drop-after', [CompletionResultType]::ParameterName, 'Reset the connection (TCP RST) after echoing N messages')
            [CompletionResult]::new('--close-after', '--close-after', [CompletionResultType]::ParameterName, 'Close each connection this long after it opened, with --close-code')
            [CompletionResult]::new('--close-code', '--close-code', [CompletionResultType]::ParameterName, 'Close code for --close-after')
            [CompletionResult]::new('--close-reason', '--close-reason', [CompletionResultType]::ParameterName, 'Close reason for --close-after')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Close silently (TCP FIN, no close frame) after DUR without traffic, like a proxy''s idle timeout')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Ping each client every DUR')
            [CompletionResult]::new('--push-every', '--push-every', [CompletionResultType]::ParameterName, 'Send an unsolicited text message ("push N") every DUR')
            [CompletionResult]::new('--reject', '--reject', [CompletionResultType]::ParameterName, 'Refuse every upgrade with this HTTP status and a short body')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR in the environment means never, unless ''always'')')
            [CompletionResult]::new('--tls-self-signed', '--tls-self-signed', [CompletionResultType]::ParameterName, 'Serve TLS with a fresh self-signed certificate for localhost (its SHA-256 fingerprint is printed)')
            [CompletionResult]::new('--no-pong', '--no-pong', [CompletionResultType]::ParameterName, 'Ignore pings (a dead server that still holds TCP)')
            [CompletionResult]::new('--companion', '--companion', [CompletionResultType]::ParameterName, 'Answer heartbeat-probe''s in-band push requests ("wsdiag-companion …", see docs/heartbeat-probe.md), so it can test server-to-client traffic')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, '-v: handshake and timings on stderr; -vv: also every frame both ways')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, '-v: handshake and timings on stderr; -vv: also every frame both ways')
            [CompletionResult]::new('--frames', '--frames', [CompletionResultType]::ParameterName, 'Show every frame both ways (same as -vv)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print NDJSON events on stdout, one object per line (schema: docs/json.md)')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Show Authorization, Cookie and similar header values instead of masking them')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wsdiag;handshake-inspect' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Sec-WebSocket-Version to send (another value shows the server''s 426 reply)')
            [CompletionResult]::new('--ws-key', '--ws-key', [CompletionResultType]::ParameterName, 'Fixed Sec-WebSocket-Key (16 bytes, base64), for reproducible output (--key is the TLS client key, as in connect)')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'Request method (RFC 6455 requires GET; others test the server''s reaction)')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a request header (repeatable); @FILE reads headers from FILE, one per line')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a request header (repeatable); @FILE reads headers from FILE, one per line')
            [CompletionResult]::new('--from-curl', '--from-curl', [CompletionResultType]::ParameterName, 'Take the URL, headers, cookies, subprotocols and -k from a curl command, as a browser''s developer tools copy it ("Copy as cURL"); its WebSocket handshake headers are made anew')
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'Origin header value')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Offer a subprotocol (repeatable, in order of preference)')
            [CompletionResult]::new('--subprotocol', '--subprotocol', [CompletionResultType]::ParameterName, 'Offer a subprotocol (repeatable, in order of preference)')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'HTTP Basic authentication')
            [CompletionResult]::new('--bearer', '--bearer', [CompletionResultType]::ParameterName, 'Authorization: Bearer TOKEN')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Bound on DNS resolution plus TCP connect')
            [CompletionResult]::new('--handshake-timeout', '--handshake-timeout', [CompletionResultType]::ParameterName, 'Bound on the TLS handshake plus the HTTP upgrade')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust only the CA certificates in this PEM file (instead of the built-in and system roots)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate chain (PEM), for servers that require client authentication')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key for --cert (PEM)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name sent in TLS SNI and checked against the certificate [default: URL host]')
            [CompletionResult]::new('--unix-socket', '--unix-socket', [CompletionResultType]::ParameterName, 'Connect to this Unix-domain socket instead of the URL''s host and port, which still give the Host header, the TLS server name and the path (as curl''s --unix-socket); a missing path or a file that is not a socket exits 3. Not on Windows')
            [CompletionResult]::new('--abstract-unix-socket', '--abstract-unix-socket', [CompletionResultType]::ParameterName, 'Like --unix-socket, with a Linux abstract socket name (no file). Linux only')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Connect through this proxy: http:// (HTTP CONNECT), https:// (TLS to the proxy, then CONNECT), socks5:// (wsdiag resolves the server''s name) or socks5h:// (the proxy does); USER:PASS@ in the URL authenticates. '''' means no proxy [default: http_proxy for ws://, https_proxy or HTTPS_PROXY for wss://, else all_proxy or ALL_PROXY]')
            [CompletionResult]::new('--proxy-user', '--proxy-user', [CompletionResultType]::ParameterName, 'Proxy credentials (Basic for HTTP proxies, RFC 1929 for SOCKS5); overrides the URL''s')
            [CompletionResult]::new('--proxy-header', '--proxy-header', [CompletionResultType]::ParameterName, 'Add a header to the CONNECT request (repeatable)')
            [CompletionResult]::new('--noproxy', '--noproxy', [CompletionResultType]::ParameterName, 'Hosts reached without the proxy: comma-separated names (with their subdomains), IP addresses, CIDR ranges, or ''*'' for all; overrides no_proxy and NO_PROXY')
            [CompletionResult]::new('--proxy-cacert', '--proxy-cacert', [CompletionResultType]::ParameterName, 'Trust only the CA certificates in this PEM file for an https:// proxy')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR in the environment means never, unless ''always'')')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print the request and response bytes exactly as sent and received, without prefixes')
            [CompletionResult]::new('--offer-deflate', '--offer-deflate', [CompletionResultType]::ParameterName, 'Offer permessage-deflate (client_max_window_bits) and report what the server accepted')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Follow 3xx redirects (at most 10), showing each hop')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Follow 3xx redirects (at most 10), showing each hop')
            [CompletionResult]::new('--no-close', '--no-close', [CompletionResultType]::ParameterName, 'Do not close the connection after a successful upgrade (drop it without a close frame)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate (prints a warning)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate (prints a warning)')
            [CompletionResult]::new('--proxy-insecure', '--proxy-insecure', [CompletionResultType]::ParameterName, 'Do not verify an https:// proxy''s certificate')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of the report (schema: docs/json.md)')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Show Authorization, Cookie and similar header values instead of masking them')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'wsdiag;heartbeat-probe' {
            [CompletionResult]::new('--min', '--min', [CompletionResultType]::ParameterName, 'The shortest idle time tried')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'The longest idle time tried')
            [CompletionResult]::new('--resolution', '--resolution', [CompletionResultType]::ParameterName, 'Stop refining when the bounds are this close [default: 2s or 2% of the lower bound, whichever is larger]')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Trials at once; 1 runs one at a time (doubling, then bisection), for servers that limit connections')
            [CompletionResult]::new('--confirm', '--confirm', [CompletionResultType]::ParameterName, 'Trials at each bound in the final round (0: no confirm round)')
            [CompletionResult]::new('--pong-timeout', '--pong-timeout', [CompletionResultType]::ParameterName, 'How long the answer to a trial''s keepalive may take (also the TCP_USER_TIMEOUT of trials)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'What a trial sends after its idle time')
            [CompletionResult]::new('--payload', '--payload', [CompletionResultType]::ParameterName, 'The message a `--kind data` trial sends')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'With --kind data: the answer must match this regex')
            [CompletionResult]::new('--fail-below', '--fail-below', [CompletionResultType]::ParameterName, 'Exit 1 when connections idle for less than DUR already die (a CI gate)')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Instead of searching: hold one connection with a ping every DUR (±10 % jitter) for --for, and report whether it survived (exit 1 when it did not)')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'How long --verify holds the connection')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'Write the result as node-exporter textfile metrics to FILE (replaced atomically)')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a request header (repeatable); @FILE reads headers from FILE, one per line')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a request header (repeatable); @FILE reads headers from FILE, one per line')
            [CompletionResult]::new('--from-curl', '--from-curl', [CompletionResultType]::ParameterName, 'Take the URL, headers, cookies, subprotocols and -k from a curl command, as a browser''s developer tools copy it ("Copy as cURL"); its WebSocket handshake headers are made anew')
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'Origin header value')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Offer a subprotocol (repeatable, in order of preference)')
            [CompletionResult]::new('--subprotocol', '--subprotocol', [CompletionResultType]::ParameterName, 'Offer a subprotocol (repeatable, in order of preference)')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'HTTP Basic authentication')
            [CompletionResult]::new('--bearer', '--bearer', [CompletionResultType]::ParameterName, 'Authorization: Bearer TOKEN')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Bound on DNS resolution plus TCP connect')
            [CompletionResult]::new('--handshake-timeout', '--handshake-timeout', [CompletionResultType]::ParameterName, 'Bound on the TLS handshake plus the HTTP upgrade')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust only the CA certificates in this PEM file (instead of the built-in and system roots)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate chain (PEM), for servers that require client authentication')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key for --cert (PEM)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name sent in TLS SNI and checked against the certificate [default: URL host]')
            [CompletionResult]::new('--unix-socket', '--unix-socket', [CompletionResultType]::ParameterName, 'Connect to this Unix-domain socket instead of the URL''s host and port, which still give the Host header, the TLS server name and the path (as curl''s --unix-socket); a missing path or a file that is not a socket exits 3. Not on Windows')
            [CompletionResult]::new('--abstract-unix-socket', '--abstract-unix-socket', [CompletionResultType]::ParameterName, 'Like --unix-socket, with a Linux abstract socket name (no file). Linux only')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Connect through this proxy: http:// (HTTP CONNECT), https:// (TLS to the proxy, then CONNECT), socks5:// (wsdiag resolves the server''s name) or socks5h:// (the proxy does); USER:PASS@ in the URL authenticates. '''' means no proxy [default: http_proxy for ws://, https_proxy or HTTPS_PROXY for wss://, else all_proxy or ALL_PROXY]')
            [CompletionResult]::new('--proxy-user', '--proxy-user', [CompletionResultType]::ParameterName, 'Proxy credentials (Basic for HTTP proxies, RFC 1929 for SOCKS5); overrides the URL''s')
            [CompletionResult]::new('--proxy-header', '--proxy-header', [CompletionResultType]::ParameterName, 'Add a header to the CONNECT request (repeatable)')
            [CompletionResult]::new('--noproxy', '--noproxy', [CompletionResultType]::ParameterName, 'Hosts reached without the proxy: comma-separated names (with their subdomains), IP addresses, CIDR ranges, or ''*'' for all; overrides no_proxy and NO_PROXY')
            [CompletionResult]::new('--proxy-cacert', '--proxy-cacert', [CompletionResultType]::ParameterName, 'Trust only the CA certificates in this PEM file for an https:// proxy')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR in the environment means never, unless ''always'')')
            [CompletionResult]::new('--classify', '--classify', [CompletionResultType]::ParameterName, 'After the search: which keepalive kinds (ws-ping, data, tcp-keepalive) keep a connection alive past the timeout (client-to-server traffic)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate (prints a warning)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate (prints a warning)')
            [CompletionResult]::new('--proxy-insecure', '--proxy-insecure', [CompletionResultType]::ParameterName, 'Do not verify an https:// proxy''s certificate')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, '-v: handshake and timings on stderr; -vv: also every frame both ways')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, '-v: handshake and timings on stderr; -vv: also every frame both ways')
            [CompletionResult]::new('--frames', '--frames', [CompletionResultType]::ParameterName, 'Show every frame both ways (same as -vv)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print NDJSON events on stdout, one object per line (schema: docs/json.md)')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Show Authorization, Cookie and similar header values instead of masking them')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wsdiag;help' {
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Connect to a WebSocket server, send messages and print what comes back')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Accept WebSocket clients, print what they send and talk back from stdin')
            [CompletionResult]::new('echo', 'echo', [CompletionResultType]::ParameterValue, 'Run an echo server, with fault injection, for testing clients')
            [CompletionResult]::new('handshake-inspect', 'handshake-inspect', [CompletionResultType]::ParameterValue, 'Perform only the opening handshake, show it exactly and judge it against RFC 6455')
            [CompletionResult]::new('heartbeat-probe', 'heartbeat-probe', [CompletionResultType]::ParameterValue, 'Find how long an idle connection survives on a path, how the path kills it, and the heartbeat interval that keeps it alive')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wsdiag;help;connect' {
            break
        }
        'wsdiag;help;listen' {
            break
        }
        'wsdiag;help;echo' {
            break
        }
        'wsdiag;help;handshake-inspect' {
            break
        }
        'wsdiag;help;heartbeat-probe' {
            break
        }
        'wsdiag;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
