"""The app under a real uvicorn, in the test's event loop, on a loopback port of its own."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI


@asynccontextmanager
async def serving(app: FastAPI, **options: Any) -> AsyncIterator[str]:
    """The base URL of `app` served by uvicorn with `options` (its host and port are ours)."""
    # IPPROTO_TCP named, as getaddrinfo would: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every keep-alive answer waits some 40 ms for the client's delayed ACK.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # connections wait in the backlog until uvicorn accepts them: no start-up race
    config = uvicorn.Config(app, **{"log_config": None, "lifespan": "off", **options, "host": "127.0.0.1", "port": 0})
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        listener.close()
