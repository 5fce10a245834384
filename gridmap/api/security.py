"""HTTP hardening: security headers, request size limits and CORS (closed unless configured)."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridmap.core.settings import Settings

UPLOAD_PREFIXES = ("/api/v1/uploads",)
PHOTO_PATHS = ("/open311/v2/requests.json",)
PHOTO_SUFFIX = "/attachments"


def content_security_policy(settings: Settings) -> str:
    """Only the site's own scripts; images also from the configured base-map host."""
    tile_host = ""
    if settings.map.tile_url:
        parsed = urlparse(settings.map.tile_url.replace("{s}", "a"))
        tile_host = f" {parsed.scheme}://{parsed.netloc}" if parsed.netloc else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",  # Leaflet positions its panes with inline styles
            f"img-src 'self' data: blob:{tile_host}",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """Adds the security headers to every response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(settings).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"geolocation=(self), camera=(), microphone=()"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses request bodies over the limit with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.default = settings.security.max_request_bytes
        self.uploads = settings.security.max_upload_bytes
        # photos of an event: as many as one upload takes, each up to its limit
        events = settings.events
        self.photos = events.photo_max_bytes * events.photos_per_upload + (64 << 10)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(UPLOAD_PREFIXES):
            limit = self.uploads
        elif path.endswith(PHOTO_SUFFIX) or path in PHOTO_PATHS:
            limit = self.photos
        else:
            limit = self.default
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLarge:
            await _too_large(send, limit)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = (
        b'{"status": 413, "detail": "the request body is larger than the limit of '
        + str(limit).encode()
        + b' bytes"}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def install(app: FastAPI, settings: Settings) -> None:
    """Middleware order: CORS outermost (when configured), then limits, then headers."""
    app.add_middleware(SecurityHeaders, settings=settings)
    app.add_middleware(BodyLimit, settings=settings)
    if settings.security.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.security.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "X-CSRF-Token"],
            allow_credentials=False,
        )
