"""WebSocket client for wsdiag's interoperability tests, built on the `websockets` library.

    client.py [--unix PATH] URL [--no-echo] MSG...

Connects to URL, sends each MSG as a text message and prints each echo on its own line, then
closes normally and exits 0. With --no-echo it sends the messages, waits for the server to
close, and prints `closed CODE`. With --unix it connects to the Unix-domain socket PATH (the
URL gives the Host header and the path). Every wait is bounded; any failure exits non-zero.
"""

import asyncio
import sys

from websockets.asyncio.client import connect, unix_connect

TIMEOUT = 10


async def main(url, messages, echo, unix_path):
    if unix_path:
        client = unix_connect(unix_path, url, open_timeout=TIMEOUT, close_timeout=TIMEOUT)
    else:
        client = connect(url, open_timeout=TIMEOUT, close_timeout=TIMEOUT)
    async with asyncio.timeout(TIMEOUT):
        async with client as ws:
            for message in messages:
                await ws.send(message)
                if echo:
                    print(await ws.recv(), flush=True)
            if not echo:
                await ws.wait_closed()
                print(f"closed {ws.close_code}", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    unix_path = None
    if args[:1] == ["--unix"] and len(args) > 1:
        unix_path, args = args[1], args[2:]
    if not args:
        sys.exit("usage: client.py URL [--no-echo] MSG...")
    url, rest = args[0], args[1:]
    echo = "--no-echo" not in rest
    asyncio.run(main(url, [m for m in rest if m != "--no-echo"], echo, unix_path))
