"""A program that starts a Python server the way an MCP client does, for `otelscope run`.

It records its own spans with the plain OpenTelemetry API (no AgentScope) and,
inside them, starts `server_app.py` with the mcp SDK's stdio client. That
client gives the server only `mcp.client.stdio.get_default_environment()`
(HOME, PATH, ...) and the `env` its caller passes: here only `TRACEPARENT`,
the W3C context of the span the server's work belongs under. Every span has
fixed times, so what `otelscope show` prints is exact.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from mcp.client.stdio import StdioServerParameters, stdio_client
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

SERVER = Path(__file__).with_name("server_app.py")
# 2025-01-02 03:04:05 UTC
T0 = 1_735_787_045_000_000_000
MS = 1_000_000


async def run_server(traceparent: str) -> None:
    server = StdioServerParameters(
        command=sys.executable, args=[str(SERVER)], env={"TRACEPARENT": traceparent}
    )
    async with stdio_client(server) as (read_stream, _):
        # The server says nothing; its stdout closes when it has exited, its
        # spans written.
        async for _message in read_stream:
            pass


def main() -> None:
    tracer = trace.get_tracer("parent_app")
    request = tracer.start_span("handle request", start_time=T0)
    with trace.use_span(request, end_on_exit=False):
        call = tracer.start_span("call server", start_time=T0 + 5 * MS)
        carrier: dict[str, str] = {}
        TraceContextTextMapPropagator().inject(carrier, trace.set_span_in_context(call))
        asyncio.run(run_server(carrier["traceparent"]))
        call.end(end_time=T0 + 45 * MS)
    request.end(end_time=T0 + 50 * MS)
    print("the server has finished")


if __name__ == "__main__":
    main()
