"""The configurations the benchmark compares, each set up once per process.

- ``baseline``: AgentScope alone.
- ``bare-spans``: the in-situ floor (``benchmarks.bare_spans``): the same
  spans as otelscope at the same entry points, made by wrappers with no
  logic at all, so what span creation alone costs inside AgentScope's calls.
- ``otelscope`` / ``otelscope-content``: otelscope with message content off,
  and on (``SPAN_ONLY``: every message, tool definition, argument and result
  serialized onto the spans).
- ``otelscope-no-metrics``: content off and a no-op meter provider: not a
  set-up to recommend, but it shows how much of otelscope's cost is its
  histograms, which the span floor does not include (the telemetry floor
  does).
- ``agentscope-tracing``: AgentScope's own tracing (1.x: what
  ``agentscope.init(tracing_url=...)`` switches on, with the model's
  ``__call__`` under ``trace_llm`` as AgentScope's built-in models have it;
  2.x: ``TracingMiddleware`` in every agent's middleware list).
- ``loongsuite``: ``loongsuite-instrumentation-agentscope``, in its own venv.

All of them write to the same pipeline (``benchmarks.pipeline``).
"""

from __future__ import annotations

from importlib import import_module, metadata
from types import ModuleType

from benchmarks.pipeline import Pipeline

NAMES = (
    "baseline",
    "bare-spans",
    "otelscope",
    "otelscope-content",
    "otelscope-no-metrics",
    "agentscope-tracing",
    "loongsuite",
)


def major_version() -> int:
    return int(metadata.version("agentscope").split(".", 1)[0])


def workload_module() -> ModuleType:
    return import_module(f"benchmarks.workload_v{major_version()}")


def set_up(name: str, pipeline: Pipeline) -> bool:
    """Instrument for configuration ``name``; True when the agents must be
    built with AgentScope's own tracing in place."""
    if name == "baseline":
        return False
    if name == "bare-spans":
        from benchmarks import bare_spans

        tracer = pipeline.tracer_provider.get_tracer("bare-spans")
        bare_spans.install(tracer, workload_module().ScriptedModel)
        return False
    if name in ("otelscope", "otelscope-content"):
        from otelscope import AgentScopeInstrumentor

        capture = "SPAN_ONLY" if name == "otelscope-content" else "NO_CONTENT"
        AgentScopeInstrumentor().instrument(**pipeline.providers(), capture_content=capture)
        return False
    if name == "otelscope-no-metrics":
        from opentelemetry.metrics import NoOpMeterProvider

        from otelscope import AgentScopeInstrumentor

        AgentScopeInstrumentor().instrument(
            tracer_provider=pipeline.tracer_provider,
            meter_provider=NoOpMeterProvider(),
            capture_content="NO_CONTENT",
        )
        return False
    if name == "agentscope-tracing":
        workload_module().enable_native_tracing()
        return True
    if name == "loongsuite":
        _instrument_loongsuite(pipeline)
        return False
    raise ValueError(f"unknown configuration {name!r}; known: {', '.join(NAMES)}")


def _instrument_loongsuite(pipeline: Pipeline) -> None:
    # It patches the constructors of agents and models (1.x) or of Agent (2.x):
    # the worker builds its agents only after this.
    from opentelemetry.instrumentation.agentscope import AgentScopeInstrumentor

    AgentScopeInstrumentor().instrument(**pipeline.providers())


def versions() -> dict[str, str]:
    """The versions that matter for reading the results of this process."""
    found = {}
    for package in (
        "agentscope",
        "opentelemetry-sdk",
        "otelscope",
        "loongsuite-instrumentation-agentscope",
    ):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found
