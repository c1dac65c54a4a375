"""The libraries otelscope instruments (read by ``opentelemetry-instrument``)."""

_instruments = ("agentscope >= 1.0.8, < 3",)
