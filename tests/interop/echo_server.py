"""Echo server for wsdiag's interoperability tests, built on the `websockets` library.

    echo_server.py [--unix PATH] [--change FROM TO]...

Binds 127.0.0.1 on an ephemeral port and prints the port on stdout (with --unix: listens on
the Unix-domain socket PATH and prints PATH), echoes every message and selects the first
offered subprotocol it supports. Exits when stdin closes, so it never outlives the test that
started it. With --change, a text message FROM is answered with TO instead (a server whose
reply changed, for replay tests).
"""

import asyncio
import sys

from websockets.asyncio.server import serve, unix_serve

SUPPORTED = ["chat.v1", "chat.v2"]
CHANGES = {}


def select_subprotocol(connection, offered):
    for name in offered:
        if name in SUPPORTED:
            return name
    return None


async def echo(websocket):
    async for message in websocket:
        await websocket.send(CHANGES.get(message, message))


async def main(unix_path):
    options = dict(subprotocols=SUPPORTED, select_subprotocol=select_subprotocol, max_size=16 * 1024 * 1024)
    if unix_path:
        server = unix_serve(echo, unix_path, **options)
    else:
        server = serve(echo, "127.0.0.1", 0, **options)
    async with server as running:
        if unix_path:
            print(unix_path, flush=True)
        else:
            print(running.sockets[0].getsockname()[1], flush=True)
        loop = asyncio.get_running_loop()
        # Stop when the parent closes our stdin (or dies).
        await loop.run_in_executor(None, sys.stdin.buffer.read)


if __name__ == "__main__":
    args = sys.argv[1:]
    unix_path = None
    while args:
        if args[0] == "--unix":
            unix_path, args = args[1], args[2:]
        elif args[0] == "--change":
            CHANGES[args[1]] = args[2]
            args = args[3:]
        else:
            sys.exit(f"unknown argument {args[0]}")
    asyncio.run(main(unix_path))
