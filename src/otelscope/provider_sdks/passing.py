"""What every SDK reader does on the way: name the port a URL leaves out,
and read a stream's chunks as they pass to the caller, unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol

from otelscope.core.guard import safely
from otelscope.core.served import ServedResult

# The port of a URL that names none (HTTP clients leave the default out).
_DEFAULT_PORTS = {"https": 443, "http": 80, "wss": 443, "ws": 80}


class ChunkReader(Protocol):
    """Reads a streamed response chunk by chunk."""

    def chunk(self, chunk: Any) -> None: ...

    def result(self) -> ServedResult: ...


def port_of(scheme: str, port: int | None) -> int | None:
    """``port``, or the scheme's default when the URL names none."""
    return port if isinstance(port, int) else _DEFAULT_PORTS.get(scheme)


async def read_while_passing(source: AsyncIterator[Any], reader: ChunkReader) -> AsyncIterator[Any]:
    """Every chunk of ``source``, unchanged, each read by ``reader`` first."""
    async for chunk in source:
        safely("reading a streamed chunk", reader.chunk, chunk)
        yield chunk


def read_while_passing_sync(source: Iterator[Any], reader: ChunkReader) -> Iterator[Any]:
    for chunk in source:
        safely("reading a streamed chunk", reader.chunk, chunk)
        yield chunk
