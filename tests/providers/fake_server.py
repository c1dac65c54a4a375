"""Fake model-provider servers on loopback, for tests that drive AgentScope's
real model classes through the providers' real SDKs over HTTP.

``FakeServer`` runs an aiohttp application on 127.0.0.1, on a free port, in
a thread with an event loop of its own, so the test's own loop (and the SDK's
client in it) talks to it as to any remote server. Each provider module adds
the routes of its wire format. Every request is recorded, so a test can
count what reached the provider and read what was sent.

A server answers from a script of ``Turn``s, one per request, first come
first served: what the model says (text, tool calls), why it stopped, the
usage it reports, the model name it reports (which differs from the one
asked for), the response id, or an HTTP error to answer with instead.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Bounds the wait for the server's thread to start or stop (a hang guard).
START_STOP_SECONDS = 30.0


@dataclass(frozen=True)
class ToolCall:
    """A tool call the model asks for; ``arguments`` is a JSON object's text."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 11
    output_tokens: int = 7
    cache_read_tokens: int | None = None
    cache_creation_tokens: int | None = None
    reasoning_tokens: int | None = None


@dataclass(frozen=True)
class HttpError:
    """Answer with this status and a provider-shaped error body."""

    status: int
    message: str = "fake provider error"


@dataclass(frozen=True)
class Turn:
    """One response of the fake model, in provider-neutral terms. The
    provider module writes it in its wire format; ``finish_reason`` is the
    provider's own value (``tool_calls``, ``end_turn``, ``STOP``...)."""

    text: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str = "stop"
    usage: Usage = field(default_factory=Usage)
    model: str = "served-model-2026-01-01"
    response_id: str = field(default_factory=lambda: f"resp-{secrets.token_hex(8)}")
    error: HttpError | None = None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class FakeServer:
    """An HTTP server on loopback answering ``routes`` from ``turns``."""

    def __init__(self, routes: Sequence[tuple[str, str, Handler]]) -> None:
        self._routes = routes
        self.turns: list[Turn] = []
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- the script ------------------------------------------------------------

    def script(self, *turns: Turn) -> None:
        """Answer the next requests with ``turns``, in order."""
        with self._lock:
            self.turns.extend(turns)

    def next_turn(self) -> Turn:
        with self._lock:
            if not self.turns:
                return Turn(error=HttpError(500, "the fake server's script ran out"))
            return self.turns.pop(0)

    # -- lifecycle ---------------------------------------------------------------

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What the provider's SDK client is given (the origin, unless the
        provider's module says otherwise)."""
        return self.origin

    def start(self) -> None:
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._start_app())
            except BaseException as error:  # reported to start() below
                failure.append(error)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._stop_app())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake-provider", daemon=True)
        self._thread.start()
        if not started.wait(START_STOP_SECONDS):
            raise RuntimeError("the fake provider server did not start")
        if failure:
            raise failure[0]

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(START_STOP_SECONDS)

    async def _start_app(self) -> None:
        app = web.Application(middlewares=[self._record])
        for method, path, handler in self._routes:
            app.router.add_route(method, path, handler)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]

    async def _stop_app(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.path,
                    query=dict(request.query),
                    headers=dict(request.headers),
                    body=body,
                )
            )
        return await handler(request)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]


@contextmanager
def running(server: FakeServer) -> Iterator[FakeServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def send_sse(
    request: web.Request, events: Sequence[tuple[str | None, Any]], done: str | None = None
) -> web.StreamResponse:
    """Stream ``events`` as server-sent events: (event name or None, JSON
    data), then ``done`` as a last raw data line (OpenAI's ``[DONE]``)."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for name, data in events:
        lines = f"event: {name}\n" if name else ""
        lines += f"data: {json.dumps(data)}\n\n"
        await response.write(lines.encode())
    if done is not None:
        await response.write(f"data: {done}\n\n".encode())
    await response.write_eof()
    return response


async def send_ndjson(request: web.Request, lines: Sequence[Any]) -> web.StreamResponse:
    """Stream ``lines`` as newline-delimited JSON (Ollama's streams)."""
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
    await response.prepare(request)
    for line in lines:
        await response.write((json.dumps(line) + "\n").encode())
    await response.write_eof()
    return response
