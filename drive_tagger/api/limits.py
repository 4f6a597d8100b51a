"""A cap on request bodies: a body past MAX_REQUEST_BYTES is answered 413 before it is read whole,
whether or not it declares its length."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# 1,000 documents of 64 KiB each, with room for JSON escapes; a longer document is still taken
# (cut to the body limit) as long as the whole request fits.
MAX_REQUEST_BYTES = 96 * 1024 * 1024


class BodyTooLarge(HTTPException):
    """Raised while the body is read. An HTTPException, because FastAPI turns any other error met
    while it reads a body into a 400; the app answers it 413 (api/app.py), as this middleware does
    a body that declares too large a length."""

    def __init__(self, max_bytes: int):
        super().__init__(413, f"the request body is larger than {max_bytes:,} bytes")

    def answer(self) -> dict:
        return {"detail": self.detail, "error": "RequestTooLarge"}


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_REQUEST_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(BodyTooLarge(self.max_bytes).answer()).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
