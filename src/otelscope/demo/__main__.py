"""``python -m otelscope.demo``: run the offline demo and print its traces."""

from __future__ import annotations

import asyncio
import os
import sys

os.environ.setdefault("AGENTSCOPE_DISABLE_CONSOLE_OUTPUT", "true")

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from otelscope import AgentScopeInstrumentor
from otelscope.demo.render import render_traces
from otelscope.instrumentor import agentscope_major_version


def main() -> int:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = AgentScopeInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    major = agentscope_major_version()
    if major == 1:
        from otelscope.demo import scenario_v1 as scenario

        shape = "4 overlapping calls on ONE ReActAgent"
    else:
        from otelscope.demo import scenario_v2 as scenario  # type: ignore[no-redef]

        shape = "4 overlapping calls on 4 agents sharing one model and toolkit"
    answers = asyncio.run(scenario.run())
    instrumentor.uninstrument()
    import agentscope

    print(f"AgentScope {agentscope.__version__}: {shape}")
    for answer in answers:
        print(f"  answer: {answer}")
    print(render_traces(exporter.get_finished_spans()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
