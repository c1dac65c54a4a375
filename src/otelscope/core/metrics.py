"""The GenAI metrics, recorded when an operation's span ends.

Attributes stay low-cardinality: operation, provider, request and response
model, agent name, tool name and type, token type, ``error.type``. Never a
message, an id or an argument.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry.metrics import Meter
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv

Attributes = Mapping[str, AttributeValue]


class Metrics:
    """The histograms otelscope records, made once per instrumentation."""

    def __init__(self, meter: Meter) -> None:
        self._operation_duration = meter.create_histogram(
            conv.METRIC_OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=list(conv.DURATION_BUCKETS),
        )
        self._token_usage = meter.create_histogram(
            conv.METRIC_TOKEN_USAGE,
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=list(conv.TOKEN_BUCKETS),
        )
        self._time_to_first_chunk = meter.create_histogram(
            conv.METRIC_TIME_TO_FIRST_CHUNK,
            unit="s",
            description="Time to receive the first chunk of a streamed response.",
            explicit_bucket_boundaries_advisory=list(conv.DURATION_BUCKETS),
        )
        self._agent_duration = meter.create_histogram(
            conv.METRIC_INVOKE_AGENT_DURATION,
            unit="s",
            description="The end-to-end duration of a single agent invocation.",
            explicit_bucket_boundaries_advisory=list(conv.AGENT_DURATION_BUCKETS),
        )
        self._workflow_duration = meter.create_histogram(
            conv.METRIC_WORKFLOW_DURATION,
            unit="s",
            description="GenAI workflow duration.",
            explicit_bucket_boundaries_advisory=list(conv.WORKFLOW_DURATION_BUCKETS),
        )
        self._tool_duration = meter.create_histogram(
            conv.METRIC_EXECUTE_TOOL_DURATION,
            unit="s",
            description="The duration of a single tool execution.",
            explicit_bucket_boundaries_advisory=list(conv.DURATION_BUCKETS),
        )

    def workflow(self, attributes: Attributes, duration: float, error_type: str | None) -> None:
        self._workflow_duration.record(duration, _with_error(attributes, error_type))

    def model_call(
        self,
        attributes: Attributes,
        duration: float,
        error_type: str | None,
        *,
        input_tokens: int | None,
        output_tokens: int | None,
        time_to_first_chunk: float | None,
    ) -> None:
        """A chat or embeddings call ended."""
        self._operation_duration.record(duration, _with_error(attributes, error_type))
        if input_tokens is not None:
            self._token_usage.record(
                input_tokens, {**attributes, conv.TOKEN_TYPE: conv.TOKEN_TYPE_INPUT}
            )
        if output_tokens is not None:
            self._token_usage.record(
                output_tokens, {**attributes, conv.TOKEN_TYPE: conv.TOKEN_TYPE_OUTPUT}
            )
        if time_to_first_chunk is not None:
            self._time_to_first_chunk.record(time_to_first_chunk, attributes)

    def agent_call(self, attributes: Attributes, duration: float, error_type: str | None) -> None:
        self._agent_duration.record(duration, _with_error(attributes, error_type))

    def tool_call(self, attributes: Attributes, duration: float, error_type: str | None) -> None:
        self._tool_duration.record(duration, _with_error(attributes, error_type))


def _with_error(attributes: Attributes, error_type: str | None) -> Attributes:
    return attributes if error_type is None else {**attributes, conv.ERROR_TYPE: error_type}
