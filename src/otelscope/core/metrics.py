"""The GenAI metrics, recorded when an operation's span ends.

Attributes stay low-cardinality: operation, provider, request and response
model, agent name, tool name and type, token type, ``error.type``. Never a
message, an id or an argument.

Every point is recorded with the context of the operation it measures, so
an SDK that keeps exemplars links each point to that operation's own span
(not to whichever span is current when the span ends, its parent).
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry.context import Context
from opentelemetry.metrics import Histogram, Meter
from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv

Attributes = Mapping[str, AttributeValue]


class Metrics:
    """The histograms otelscope records, made once per instrumentation."""

    def __init__(self, meter: Meter) -> None:
        def histogram(
            name: str, unit: str, description: str, buckets: tuple[float, ...]
        ) -> Histogram:
            return meter.create_histogram(
                name,
                unit=unit,
                description=description,
                explicit_bucket_boundaries_advisory=list(buckets),
            )

        self._operation_duration = histogram(
            conv.METRIC_OPERATION_DURATION, "s", "GenAI operation duration.", conv.DURATION_BUCKETS
        )
        self._token_usage = histogram(
            conv.METRIC_TOKEN_USAGE,
            "{token}",
            "Number of input and output tokens used.",
            conv.TOKEN_BUCKETS,
        )
        self._time_to_first_chunk = histogram(
            conv.METRIC_TIME_TO_FIRST_CHUNK,
            "s",
            "Time to receive the first chunk of a streamed response.",
            conv.DURATION_BUCKETS,
        )
        self._agent_duration = histogram(
            conv.METRIC_INVOKE_AGENT_DURATION,
            "s",
            "The end-to-end duration of a single agent invocation.",
            conv.AGENT_DURATION_BUCKETS,
        )
        self._workflow_duration = histogram(
            conv.METRIC_WORKFLOW_DURATION,
            "s",
            "GenAI workflow duration.",
            conv.WORKFLOW_DURATION_BUCKETS,
        )
        self._tool_duration = histogram(
            conv.METRIC_EXECUTE_TOOL_DURATION,
            "s",
            "The duration of a single tool execution.",
            conv.DURATION_BUCKETS,
        )

    def workflow(
        self,
        attributes: Attributes,
        duration: float,
        error_type: str | None,
        context: Context | None,
    ) -> None:
        self._workflow_duration.record(duration, _with_error(attributes, error_type), context)

    def model_call(
        self,
        attributes: Attributes,
        duration: float,
        error_type: str | None,
        *,
        input_tokens: int | None,
        output_tokens: int | None,
        time_to_first_chunk: float | None,
        context: Context | None,
    ) -> None:
        """A chat or embeddings call ended."""
        self._operation_duration.record(duration, _with_error(attributes, error_type), context)
        if input_tokens is not None:
            self._token_usage.record(
                input_tokens, {**attributes, conv.TOKEN_TYPE: conv.TOKEN_TYPE_INPUT}, context
            )
        if output_tokens is not None:
            self._token_usage.record(
                output_tokens, {**attributes, conv.TOKEN_TYPE: conv.TOKEN_TYPE_OUTPUT}, context
            )
        if time_to_first_chunk is not None:
            self._time_to_first_chunk.record(time_to_first_chunk, attributes, context)

    def agent_call(
        self,
        attributes: Attributes,
        duration: float,
        error_type: str | None,
        context: Context | None,
    ) -> None:
        self._agent_duration.record(duration, _with_error(attributes, error_type), context)

    def tool_call(
        self,
        attributes: Attributes,
        duration: float,
        error_type: str | None,
        context: Context | None,
    ) -> None:
        self._tool_duration.record(duration, _with_error(attributes, error_type), context)


def _with_error(attributes: Attributes, error_type: str | None) -> Attributes:
    return attributes if error_type is None else {**attributes, conv.ERROR_TYPE: error_type}
