"""What both lines' content-capture tests share: the attribute keys, the
content one call with one tool round records on either line, and a fixture
state that instruments with its own options and exports spans, metrics and
log records in memory."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

from otelscope.agentscope_common import messages
from otelscope.core import content
from tests.conftest import Traced
from tests.spantree import Node, build_trees

INPUT = "gen_ai.input.messages"

OUTPUT = "gen_ai.output.messages"

SYSTEM = "gen_ai.system_instructions"

TOOLS = "gen_ai.tool.definitions"

ARGUMENTS = "gen_ai.tool.call.arguments"

RESULT = "gen_ai.tool.call.result"

CONTENT_KEYS = (SYSTEM, INPUT, TOOLS, OUTPUT, ARGUMENTS, RESULT)

CHAT_KEYS = (SYSTEM, INPUT, TOOLS, OUTPUT)

EVENT_NAME = "gen_ai.client.inference.operation.details"

SECRET = "sk-SECRET-123"

USER = {"role": "user", "parts": [{"type": "text", "content": "weather?"}]}

CALL = {
    "type": "tool_call",
    "id": "Paris-1-0",
    "name": "get_weather",
    "arguments": {"city": "Paris"},
}

RESPONSE = {"type": "tool_call_response", "id": "Paris-1-0", "response": "Sunny in Paris"}

ANSWER = {"role": "assistant", "parts": [{"type": "text", "content": "Done Paris"}]}

SYSTEM_PARTS = [{"type": "text", "content": "You are a test agent."}]

TOOL_DEFINITIONS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Get the weather of a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city name."}},
            "required": ["city"],
        },
    }
]


def decoded(key: str, value: Any) -> Any:
    """A recorded content value as data: JSON, except a tool's text result.
    The JSON must be exactly what ``json.dumps`` writes for it."""
    assert isinstance(value, str), (key, value)
    if key == RESULT:
        return value
    data = json.loads(value)
    assert value == json.dumps(data, ensure_ascii=False)
    return data


def content_of(attributes: Any) -> dict[str, Any]:
    return {key: decoded(key, attributes[key]) for key in CONTENT_KEYS if key in attributes}


def raw_content_of(attributes: Any) -> dict[str, str]:
    return {key: attributes[key] for key in CONTENT_KEYS if key in attributes}


class Capture:
    """Span, metric and log exporters; the test instruments with its options."""

    def __init__(self) -> None:
        self.traced = Traced()
        self.logs = InMemoryLogRecordExporter()
        self.logger_provider = LoggerProvider()
        self.logger_provider.add_log_record_processor(SimpleLogRecordProcessor(self.logs))

    def instrument(self, **options: Any) -> None:
        self.traced.instrumentor.instrument(
            tracer_provider=self.traced.provider,
            meter_provider=self.traced.meter_provider,
            logger_provider=self.logger_provider,
            **options,
        )

    def uninstrument(self) -> None:
        self.traced.instrumentor.uninstrument()

    def tree(self) -> Node:
        [root] = build_trees(self.traced.spans())
        return root

    def records(self) -> list[Any]:
        return [record.log_record for record in self.logs.get_finished_logs()]

    def clear(self) -> None:
        self.traced.exporter.clear()
        self.logs.clear()

    def exported(self) -> str:
        """Everything exported, serialized: spans (attributes, events),
        log records (attributes, body) and metric data points."""
        spans = [span.to_json() for span in self.traced.spans()]
        logs = [record.to_json() for record in self.logs.get_finished_logs()]
        metrics = self.traced.metric_reader.get_metrics_data()
        return "\n".join([*spans, *logs, metrics.to_json() if metrics is not None else ""])


class Serialized(Exception):
    """Raised by the serializers a test forbids."""


def forbid_serializing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise Serialized

    monkeypatch.setattr(messages, "to_parts", refuse)
    monkeypatch.setattr(content, "to_json", refuse)


def cut(value: str, length: int) -> str:
    if len(value) <= length:
        return value
    return value[:length] + f"...[truncated {len(value) - length} characters]"


# -- Shared by both lines' security tests ----------------------------------------

CAPTURE_MODES = ["SPAN_ONLY", "EVENT_ONLY", "SPAN_AND_EVENT"]
LIMIT = 30
WITHIN_LIMIT = re.compile(rf"(?s).{{0,{LIMIT}}}|.{{{LIMIT}}}\.\.\.\[truncated \d+ characters\]")
# Where provider SDKs look for keys when the model object has none.
CREDENTIAL_VARIABLES = ["OPENAI_API_KEY", "DASHSCOPE_API_KEY", "ANTHROPIC_API_KEY"]


def all_content(capture: Capture) -> list[str]:
    """Every content value recorded, on spans and on log records."""
    nodes = [node for root in build_trees(capture.traced.spans()) for node in root.walk()]
    on_spans = [v for node in nodes for v in raw_content_of(node.attributes).values()]
    on_logs = [
        v for record in capture.records() for v in raw_content_of(record.attributes).values()
    ]
    return on_spans + on_logs


# -- Everything exported, as the bytes a backend receives ------------------------


def otlp_bytes(capture: Capture) -> bytes:
    """Every span (attributes, events, resource), log record and metric point
    ``capture`` exported, encoded as the OTLP exporters send them. Shared by
    both lines' security tests, which search it for planted credentials."""
    spans = encode_spans(capture.traced.spans()).SerializeToString()
    logs = encode_logs(list(capture.logs.get_finished_logs())).SerializeToString()
    metrics = capture.traced.metric_reader.get_metrics_data()
    points = encode_metrics(metrics).SerializeToString() if metrics is not None else b""
    return spans + logs + points
