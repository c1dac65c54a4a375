"""Agents behind a real HTTP server, for the served-agent tests of both lines.

``served`` runs an ASGI app under uvicorn on a free loopback port, in a
thread with its own event loop. ``Caller`` is a client with a trace of its
own: it sends a W3C ``traceparent`` header, and ``request_trees`` turns the
exported spans into one tree per caller, rooted at the server span that
continued the caller's trace.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from tests.spantree import Node


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 and yield its base URL.

    The listening socket is bound before the server starts, so a request sent
    at once waits in its backlog until uvicorn accepts it: nothing waits for
    the server to be ready. On exit the server stops and its thread is joined,
    so every request the server took has finished, its server span included
    (FastAPI ends that span after the response's last byte has been handed to
    the connection, which can be after the client has read it).
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    host, port = listener.getsockname()
    config = uvicorn.Config(
        app,
        loop="asyncio",
        http="h11",
        lifespan="off",
        log_config=None,
        access_log=False,
        # Only for a failing test: requests still running at shutdown are
        # cancelled after this long instead of holding the thread forever.
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[listener])
        except BaseException as error:  # reported to the test below
            failures.append(error)

    thread = threading.Thread(target=run, name="uvicorn", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        listener.close()
    assert not thread.is_alive(), "the server did not stop"
    assert failures == [], f"the server failed: {failures!r}"


@dataclass(frozen=True)
class Caller:
    """A client whose current span is ``span_id`` in its trace ``trace_id``."""

    trace_id: int
    span_id: int

    @property
    def traceparent(self) -> str:
        """The W3C trace context header of the caller's span (sampled)."""
        return f"00-{self.trace_id:032x}-{self.span_id:016x}-01"


def callers(count: int, seed: int) -> list[Caller]:
    """``count`` callers, each in a trace of its own (reproducible ids)."""
    rng = random.Random(seed)
    found = [Caller(rng.getrandbits(128) | 1, rng.getrandbits(64) | 1) for _ in range(count)]
    assert len({c.trace_id for c in found}) == count
    return found


def post_at_once(
    url: str, path: str, bodies: Sequence[Any], sent: Sequence[Caller]
) -> list[httpx.Response]:
    """POST each JSON body to ``url + path`` concurrently, each with its
    caller's trace context, and return the responses in order."""

    async def post_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=60) as client:
            return await asyncio.gather(
                *(
                    client.post(path, json=body, headers={"traceparent": caller.traceparent})
                    for body, caller in zip(bodies, sent, strict=True)
                )
            )

    return asyncio.run(post_all())


def request_trees(spans: Sequence[ReadableSpan], sent: Sequence[Caller]) -> list[Node]:
    """One tree per caller, in the order of ``sent``, rooted at the server span
    that continued the caller's trace.

    Fails unless every span is in the trace of one caller, every span's
    parent is in the same trace, and each trace has exactly one span whose
    parent was not exported: a SERVER span whose parent is the caller's span,
    received from the remote caller.
    """
    by_trace: dict[int, list[ReadableSpan]] = defaultdict(list)
    for span in spans:
        by_trace[span.context.trace_id].append(span)
    assert sorted(by_trace) == sorted(c.trace_id for c in sent), "spans outside the callers' traces"
    trees = []
    for caller in sent:
        nodes = {span.context.span_id: Node(span) for span in by_trace[caller.trace_id]}
        roots = []
        children: dict[int, list[Node]] = defaultdict(list)
        for node in nodes.values():
            parent = node.span.parent
            assert parent is not None, f"{node.name!r} started a trace of its own"
            assert parent.trace_id == caller.trace_id, f"{node.name!r} crosses traces"
            if parent.span_id in nodes:
                children[parent.span_id].append(node)
            else:
                roots.append(node)
        assert len(roots) == 1, [node.name for node in roots]
        [root] = roots
        assert root.span.kind == SpanKind.SERVER
        assert root.span.parent is not None
        assert root.span.parent.span_id == caller.span_id
        assert root.span.parent.is_remote
        for span_id, kids in children.items():
            nodes[span_id].children = sorted(kids, key=lambda n: n.span.start_time or 0)
        trees.append(root)
    return trees


def chain_to(root: Node, name: str) -> list[str]:
    """The names of the spans from ``root`` down to its one span ``name``."""
    for child in root.children:
        if child.name == name:
            return [root.name, name]
        below = chain_to(child, name)
        if below:
            return [root.name, *below]
    return []
