"""Request bodies in ASGI middleware: read once, then handed on as if unread."""

from __future__ import annotations

from starlette.types import Message, Receive


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that first returns the whole ``body`` already read by a middleware, then
    whatever the client sends next (a disconnect), so the application downstream reads the
    request as usual."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
