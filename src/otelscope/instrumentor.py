"""``AgentScopeInstrumentor``: the OpenTelemetry entry point of otelscope."""

from __future__ import annotations

from collections.abc import Collection
from importlib import metadata
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry._logs import get_logger
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.semconv.schemas import Schemas

from otelscope import protocols, provider_sdks
from otelscope.core.content import content_policy
from otelscope.core.guard import report_internal_error
from otelscope.core.metrics import Metrics
from otelscope.core.patching import Patches
from otelscope.core.telemetry import Telemetry
from otelscope.package import _instruments
from otelscope.version import __version__

# The semantic conventions release otelscope's names follow
# (``otelscope.core.conventions``): the one its semantic-conventions package holds.
SCHEMA_URL = Schemas.V1_44_0.value


def agentscope_major_version() -> int:
    """The major version of the installed AgentScope (1 or 2)."""
    return int(metadata.version("agentscope").split(".", 1)[0])


class AgentScopeInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Traces AgentScope agents, ReAct rounds, model and tool calls.

    ``instrument()`` takes ``tracer_provider``, ``meter_provider`` and
    ``logger_provider`` (the global ones by default) and, for message content
    (off unless asked for; see ``otelscope.core.content``):
    ``capture_content`` (a ``CaptureMode`` or its name; default from
    ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``),
    ``max_content_length`` (characters per value; default from
    ``OTELSCOPE_CONTENT_MAX_LENGTH``, else 16384) and ``redact``, a callable
    ``(attribute key, value) -> value`` applied to every value before it is
    recorded. ``uninstrument()`` restores every patched attribute.
    """

    _patches: Patches | None = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        tracer = trace.get_tracer(
            "otelscope",
            __version__,
            tracer_provider=kwargs.get("tracer_provider"),
            schema_url=SCHEMA_URL,
        )
        meter = metrics.get_meter(
            "otelscope",
            __version__,
            meter_provider=kwargs.get("meter_provider"),
            schema_url=SCHEMA_URL,
        )
        content = content_policy(
            kwargs.get("capture_content"),
            kwargs.get("max_content_length"),
            kwargs.get("redact"),
        )
        events = (
            get_logger(
                "otelscope",
                __version__,
                logger_provider=kwargs.get("logger_provider"),
                schema_url=SCHEMA_URL,
            )
            if content.on_events
            else None
        )
        telemetry = Telemetry(tracer, Metrics(meter), content, events)
        patches = Patches()
        try:
            _install_adapter(agentscope_major_version(), telemetry, patches)
            # Below AgentScope: what the provider served, read in its SDK.
            provider_sdks.install(patches)
            # Across processes: MCP and A2A, read in their SDKs.
            protocols.install(patches)
        except Exception:
            # A half-installed instrumentation is worse than none.
            report_internal_error("instrumenting AgentScope")
            patches.restore_all()
            return
        self._patches = patches

    def _uninstrument(self, **kwargs: Any) -> None:
        if self._patches is not None:
            self._patches.restore_all()
            self._patches = None


def _install_adapter(major: int, telemetry: Telemetry, patches: Patches) -> None:
    if major == 1:
        from otelscope import agentscope_v1

        agentscope_v1.install(telemetry, patches)
        return
    if major == 2:
        from otelscope import agentscope_v2

        agentscope_v2.install(telemetry, patches)
        return
    raise RuntimeError(f"otelscope supports AgentScope 1.x and 2.x, not {major}.x")
