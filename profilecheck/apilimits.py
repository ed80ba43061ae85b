"""Guards of the REST API: a request body cap enforced while the body streams in, and the bearer token.

:class:`BodyLimitMiddleware` is plain ASGI, so it sees the body chunk by chunk before any
framework buffers it: a ``Content-Length`` over the cap is refused before one byte of the body is
read, and a chunked (or lying) body is cut off as soon as the running count passes the cap. Either
way the client gets ``413`` with a message naming the cap, and the server never holds more than
the cap plus one chunk.

:func:`read_token` finds the API token (``PROFILECHECK_API_TOKEN``, or a file named by
``--token-file`` / ``PROFILECHECK_API_TOKEN_FILE`` so that the secret stays out of the process
list and the shell history); :func:`token_matches` compares in constant time.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from profilecheck.errors import InputError

__all__ = [
    "DEFAULT_MAX_BODY",
    "MIN_TOKEN_LENGTH",
    "BodyLimitMiddleware",
    "read_token",
    "token_matches",
]

DEFAULT_MAX_BODY = 1024 * 1024  # bytes; a profile record is a few kB (photos are URLs or hashes, never inline)
MIN_TOKEN_LENGTH = 16

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, counting as the body arrives.

    Past the cap the middleware sends the 413 itself, then tells the application the client has
    gone (``http.disconnect``) and drops whatever the application still tries to send: the rest
    of the body is never read. Framework-agnostic (plain ASGI), so no import of FastAPI here.

    >>> BodyLimitMiddleware(None, max_bytes=0)  # type: ignore[arg-type]
    Traceback (most recent call last):
    ...
    ValueError: max_bytes must be positive, not 0
    """

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, not {max_bytes}")
        self.app = app
        self.max_bytes = max_bytes

    def message(self, seen: int | None) -> str:
        what = f"{seen} bytes" if seen is not None else "more bytes than that"
        return f"request body too large: {what}, over the {self.max_bytes}-byte cap (serve --max-body)"

    async def _refuse(self, send: Send, seen: int | None) -> None:
        body = json.dumps({"detail": self.message(seen)}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes:  # refused before one byte of the body is read
                    await self._refuse(send, declared)
                    return
        seen = 0
        state = {"started": False, "refused": False}

        async def counted_receive() -> Message:
            nonlocal seen
            if state["refused"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    state["refused"] = True
                    if not state["started"]:
                        state["started"] = True
                        await self._refuse(send, None)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if state["refused"]:
                return  # the 413 has gone out; the application's answer to the "disconnect" is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        await self.app(scope, counted_receive, guarded_send)


def read_token(token_file: Path | str | None = None, *, environ: MutableMapping[str, str] | None = None) -> str | None:
    """The API token: from ``token_file``, else ``PROFILECHECK_API_TOKEN_FILE``, else ``PROFILECHECK_API_TOKEN``.

    A token shorter than 16 characters, or an empty or unreadable file, is an :class:`InputError`.

    >>> read_token(environ={"PROFILECHECK_API_TOKEN": "0123456789abcdef"})
    '0123456789abcdef'
    >>> read_token(environ={}) is None
    True
    """
    env = os.environ if environ is None else environ
    path = token_file or env.get("PROFILECHECK_API_TOKEN_FILE") or None
    if path:
        try:
            token: str | None = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"token file {path}: cannot read it ({exc.__class__.__name__})") from exc
        where = f"token file {path}"
    else:
        token = (env.get("PROFILECHECK_API_TOKEN") or "").strip() or None
        where = "PROFILECHECK_API_TOKEN"
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise InputError(f"{where}: the token must be {MIN_TOKEN_LENGTH} characters or more")
    return token


def token_matches(token: str, authorization: str | None) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer <token>`` (compared in constant time).

    >>> token_matches("0123456789abcdef", "Bearer 0123456789abcdef"), token_matches("0123456789abcdef", "Bearer x")
    (True, False)
    """
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "surrogateescape"), token.encode("utf-8"))
