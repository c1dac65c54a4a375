"""AgentScope instrumented in a process of ``otelscope run`` when it is first imported.

``child.start`` registers this module with ``install_on_import``: its
``install`` runs once ``agentscope`` has finished importing, whoever imports
it and however late, never in a process that does not.
"""

from __future__ import annotations

from otelscope.cli.pipeline import Pipeline
from otelscope.core.patching import Patches


def install(patches: Patches, pipeline: Pipeline) -> None:
    """Instrument AgentScope onto the run's pipeline.

    ``patches`` stays empty: the instrumentor keeps its own, and a process of
    the run never uninstruments.
    """
    from otelscope.instrumentor import AgentScopeInstrumentor

    AgentScopeInstrumentor().instrument(
        tracer_provider=pipeline.tracer_provider, meter_provider=pipeline.meter_provider
    )
