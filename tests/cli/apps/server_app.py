"""Started by `parent_app.py` through mcp's stdio client: continues the trace
named by `TRACEPARENT` with the plain OpenTelemetry API, runs a nameless
helper (`python -c`) that continues it too, then exits. It writes nothing to
stdout, which belongs to the protocol."""

from __future__ import annotations

import os
import subprocess
import sys

from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

# The parent's clock: 2025-01-02 03:04:05 UTC.
T0 = 1_735_787_045_000_000_000
MS = 1_000_000

HELPER = f"""
import os
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

parent = TraceContextTextMapPropagator().extract({{"traceparent": os.environ["TRACEPARENT"]}})
span = trace.get_tracer("helper").start_span("help", parent, start_time={T0 + 26 * MS})
span.end(end_time={T0 + 29 * MS})
"""


def traceparent_of(span: trace.Span) -> str:
    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier, trace.set_span_in_context(span))
    return carrier["traceparent"]


def main() -> None:
    parent = TraceContextTextMapPropagator().extract({"traceparent": os.environ["TRACEPARENT"]})
    tracer = trace.get_tracer("server_app")
    work = tracer.start_span("serve call", parent, start_time=T0 + 10 * MS)
    tracer.start_span("look up", trace.set_span_in_context(work), start_time=T0 + 15 * MS).end(
        end_time=T0 + 25 * MS
    )
    # Its whole environment, as most programs pass it on.
    helper_env = {**os.environ, "TRACEPARENT": traceparent_of(work)}
    subprocess.run([sys.executable, "-c", HELPER], env=helper_env, check=True)
    work.end(end_time=T0 + 30 * MS)


if __name__ == "__main__":
    main()
