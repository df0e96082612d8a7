"""Messages between the service and its sync process: JSON objects (orjson), each after its length (4 bytes, big
endian), over one end of a socket pair each. Asyncio on both sides; sending never waits (the messages are small and
few: replies, the shops running, what a page changed), so it may be called from plain callbacks."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Any

import orjson

Message = dict[str, Any]

_LENGTH = struct.Struct(">I")


class Channel:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def over(cls, sock: socket.socket) -> Channel:
        reader, writer = await asyncio.open_unix_connection(sock=sock)
        return cls(reader, writer)

    def send(self, message: Message) -> None:
        """Queue `message` for the other side; nothing when this side is closed or the other is gone."""
        if self._writer.is_closing():
            return
        body = orjson.dumps(message)
        self._writer.write(_LENGTH.pack(len(body)) + body)

    async def receive(self) -> Message | None:
        """The next message, or None once the other side has closed (or gone away)."""
        try:
            (length,) = _LENGTH.unpack(await self._reader.readexactly(_LENGTH.size))
            message: Message = orjson.loads(await self._reader.readexactly(length))
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        return message

    async def close(self) -> None:
        """Send what is queued, then close: the other side reads the end of its messages."""
        if self._writer.is_closing():
            return
        self._writer.close()
        with contextlib.suppress(ConnectionError):  # the other side was gone already
            await self._writer.wait_closed()
