"""Where a realtime model's socket goes, as ``server.address`` and ``server.port``.

A 1.x realtime model names its socket's URL (``websocket_url``); only its
host and port are read (Gemini's URL carries the key in its query). A 2.x
model builds the URL inside ``connect`` and keeps only the open connection
(a ``websockets`` client connection, ``_ws`` in every 2.x class): the host
is the one its opening request named, the port the one it is connected to.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from otelscope.core.values import field, integer, text
from otelscope.provider_sdks.passing import port_of

Endpoint = tuple[str | None, int | None]
UNKNOWN: Endpoint = (None, None)


def of_url(url: Any) -> Endpoint:
    if not isinstance(url, str):
        return UNKNOWN
    parts = urlsplit(url)
    return parts.hostname, port_of(parts.scheme, parts.port)


def of_connection(connection: Any) -> Endpoint:
    """The endpoint of an open ``websockets`` client connection."""
    if connection is None:
        return UNKNOWN
    headers = field(field(connection, "request"), "headers")
    host = text(headers.get("Host")) if headers is not None else None
    remote = field(connection, "remote_address")
    port = integer(remote[1]) if isinstance(remote, tuple) and len(remote) > 1 else None
    if host is None:
        return UNKNOWN
    return urlsplit(f"//{host}").hostname, port
