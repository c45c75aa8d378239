"""Echo server for wsdiag's interoperability tests, built on the `websockets` library.

Binds 127.0.0.1 on an ephemeral port, prints the port on stdout, echoes every message and
selects the first offered subprotocol it supports. Exits when stdin closes, so it never
outlives the test that started it.
"""

import asyncio
import sys

from websockets.asyncio.server import serve

SUPPORTED = ["chat.v1", "chat.v2"]


def select_subprotocol(connection, offered):
    for name in offered:
        if name in SUPPORTED:
            return name
    return None


async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)


async def main():
    async with serve(
        echo,
        "127.0.0.1",
        0,
        subprotocols=SUPPORTED,
        select_subprotocol=select_subprotocol,
        max_size=16 * 1024 * 1024,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        loop = asyncio.get_running_loop()
        # Stop when the parent closes our stdin (or dies).
        await loop.run_in_executor(None, sys.stdin.buffer.read)


if __name__ == "__main__":
    asyncio.run(main())
