"""Request bodies are bounded while they are read: in size (413) and in time (408).

Starlette reads a whole multipart body (to memory or a spooled file) before a route can check its size,
and waits for a slow client for ever.  :class:`BodyGuard` reads the body of every POST/PUT/PATCH first:
a declared ``Content-Length`` over :data:`MAX_BODY` is refused before any of it is read, a body that grows
past it is refused as soon as it does, and a body that has not arrived in :data:`BODY_SECONDS` is refused;
otherwise the route gets the body as if read from the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from immunograde.errors import Msg

MAX_BODY = (
    2 * 1024 * 1024
)  #: bytes; the workbench's own limit (512 KiB of CSV) is checked after this
BODY_SECONDS = 30.0  #: the whole body must arrive within this time
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ErrorPage = Callable[[Request, int, str], Response]


class _TooLarge(Exception):
    pass


class _Gone(Exception):
    pass


class BodyGuard:
    """ASGI middleware: see the module's text.  ``error(request, status, message)`` makes the answer."""

    def __init__(self, app: Callable[[Message, Receive, Send], Awaitable[None]], error: ErrorPage,
                 max_bytes: int = MAX_BODY, seconds: float = BODY_SECONDS) -> None:  # fmt: skip
        self.app, self.error, self.max_bytes, self.seconds = app, error, max_bytes, seconds

    def _declared(self, scope: Message) -> int:
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.strip().isdigit():
                return int(value)
        return 0

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        too_large = Msg("the request is larger than %(mib)s MiB; send a smaller file (the workbench "
                        "takes up to 512 KiB of CSV)", mib=self.max_bytes // (1024 * 1024))  # fmt: skip
        if self._declared(scope) > self.max_bytes:
            return await self._refuse(scope, receive, send, 413, too_large)
        try:
            body = await asyncio.wait_for(self._read(receive), self.seconds)
        except _TooLarge:
            return await self._refuse(scope, receive, send, 413, too_large)
        except TimeoutError:
            message = Msg("the request body did not arrive within %(s)s s; send it again",
                          s=format(self.seconds, "g"))  # fmt: skip
            return await self._refuse(scope, receive, send, 408, message)
        except _Gone:
            return None
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)

    async def _refuse(
        self, scope: Message, receive: Receive, send: Send, status: int, message: str
    ) -> None:
        response = self.error(Request(scope, receive), status, message)
        response.headers["Connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)
