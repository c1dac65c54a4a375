"""Generated hostile values through the content-building functions: the JSON
serializer, the policy's render (Unicode repair, redaction, truncation) and
the conventions' message shape of AgentScope blocks.

Whatever a message holds (cycles, bytes, lone surrogates, NaN, huge strings
and numbers, objects whose ``str``, ``repr``, iteration or attributes fail,
one-shot generators), these functions never raise, never consume what they
read, and what they record is valid JSON, redacted and within the length
limit. Runs in both virtual environments: it must not import agentscope.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry._logs import LogRecord

from otelscope.agentscope_common.messages import (
    chat_input,
    chat_output,
    to_messages,
    to_parts,
    tool_arguments,
    tool_definition,
    tool_output,
)
from otelscope.core.content import CaptureMode, ContentPolicy, to_json
from otelscope.core.records import ChatRequest
from tests.content_expectations import CONTENT_KEYS, Capture, cut, otlp_bytes
from tests.core.test_content import Recorded

TRUNCATED = re.compile(r"\.\.\.\[truncated [1-9][0-9]* characters\]")

# -- Hostile values ------------------------------------------------------------


class Shown:
    """Hypothesis prints a failing example through ``_repr_pretty_``, which
    works where ``repr`` is made to fail."""

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"{type(self).__name__}()")


class Unprintable(Shown):
    """``str``, ``repr`` and iteration all fail."""

    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    def __iter__(self) -> Iterator[Any]:
        raise RuntimeError("no iteration")


class Unreadable(Shown):
    """Every attribute read fails, as a broken proxy or property would."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"cannot read {name}")


class BrokenMapping(Shown, Mapping[str, Any]):
    """A mapping whose every read fails."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("no item")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no keys")

    def __len__(self) -> int:
        return 1


class BrokenList(Shown, list[Any]):
    """A real list (so JSON can still write it) whose iteration fails."""

    def __iter__(self) -> Iterator[Any]:
        raise RuntimeError("no iteration")


class HugeNumber(Shown, int):
    """More digits than Python turns into a string by default."""

    def __new__(cls) -> HugeNumber:
        return super().__new__(cls, 10**5000)


def _failing_generator() -> Iterator[Any]:
    yield {"type": "text", "text": "before the failure"}
    raise RuntimeError("generator broke")


BLOCK_TYPES = [
    "text",
    "hint",
    "thinking",
    "tool_use",
    "tool_call",
    "tool_result",
    "image",
    "audio",
    "video",
    "data",
    "image_url",
    "custom",
]
BLOCK_FIELDS = [
    "type",
    "text",
    "hint",
    "thinking",
    "id",
    "name",
    "input",
    "output",
    "content",
    "tool_use_id",
    "source",
    "url",
    "data",
    "media_type",
    "image_url",
    "function",
    "role",
    "parts",
]

# Any code point, lone surrogates included.
any_character = st.characters(exclude_categories=())
any_text = st.text(any_character, max_size=20)
huge_text = st.builds(
    lambda character, count: character * count, any_character, st.integers(1, 10**5)
)
hostile_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.builds(HugeNumber),
    st.floats(allow_nan=True, allow_infinity=True),
    any_text,
    huge_text,
    st.binary(max_size=64),
    st.binary(max_size=64).map(bytearray),
    st.sampled_from(BLOCK_TYPES),
    st.builds(Unprintable),
    st.builds(Unreadable),
    st.builds(BrokenMapping),
    st.builds(object),
    st.builds(_failing_generator),
)


def _block(fields: dict[str, Any]) -> Any:
    return fields


def _as_object(fields: dict[str, Any]) -> Any:
    return SimpleNamespace(**fields)


def _cyclic(container: list[Any] | dict[str, Any]) -> Any:
    """``container`` holding itself (twice, so a walk that follows every
    reference without noticing the cycle never ends)."""
    if isinstance(container, list):
        container.extend([container, container])
    else:
        container["self"] = container
        container["again"] = [container]
    return container


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    fields = st.dictionaries(st.sampled_from(BLOCK_FIELDS), children, max_size=5)
    blocks = st.builds(
        lambda kind, rest: {**rest, "type": kind}, st.sampled_from(BLOCK_TYPES), fields
    )
    return st.one_of(
        st.lists(children, max_size=5),
        st.lists(children, max_size=5).map(tuple),
        st.lists(children, max_size=5).map(BrokenList),
        st.dictionaries(any_text, children, max_size=5),
        st.dictionaries(st.one_of(st.integers(), st.floats(), st.none()), children, max_size=3),
        blocks,
        blocks.map(_as_object),
        st.lists(children, max_size=3).map(_cyclic),
        fields.map(_cyclic),
    )


hostile_values = st.recursive(hostile_leaf, _containers, max_leaves=12)


def strict_json(text: str) -> Any:
    """``text`` parsed as strict JSON: no NaN or Infinity constants."""

    def reject(constant: str) -> Any:
        raise AssertionError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=reject)


def assert_plain_json_data(value: Any) -> None:
    """Only what JSON has: the converted shape is data, never a live object."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str)
            assert_plain_json_data(item)
    elif isinstance(value, list):
        for item in value:
            assert_plain_json_data(item)
    else:
        assert value is None or isinstance(value, str | int | float | bool), type(value)
        assert not isinstance(value, float) or math.isfinite(value)


# -- The serializer and the policy ---------------------------------------------


@given(hostile_values)
def test_to_json_gives_strict_json_for_any_value(value: Any) -> None:
    text = to_json(value)
    assert isinstance(text, str)
    strict_json(text)


@given(
    st.sampled_from(CONTENT_KEYS),
    hostile_values,
    st.integers(1, 300),
)
def test_render_shows_the_redactor_every_value_once_and_cuts_its_answer(
    key: str, value: Any, max_length: int
) -> None:
    seen: list[tuple[str, str]] = []

    def redact(seen_key: str, text: str) -> str:
        seen.append((seen_key, text))
        return f"<{len(text)}>" + text

    policy = ContentPolicy(CaptureMode.SPAN_AND_EVENT, max_length, redact)
    rendered = policy.render(key, value)

    [(seen_key, text)] = seen
    assert seen_key == key
    # The redactor sees the whole serialized value, in valid Unicode.
    text.encode("utf-8")
    if isinstance(value, str):
        assert text == value.encode("utf-8", "replace").decode("utf-8")
    else:
        strict_json(text)
    assert rendered == cut(f"<{len(text)}>" + text, max_length)
    assert rendered.encode("utf-8")


# -- The conventions' message shape --------------------------------------------


def assert_recordable(key: str, converted: Any) -> None:
    rendered = ContentPolicy(CaptureMode.SPAN_ONLY, max_length=10**9).render(key, converted)
    assert rendered is not None
    rendered.encode("utf-8")
    if not isinstance(converted, str):
        strict_json(rendered)


def assert_conventions_shape(messages: list[Any]) -> None:
    for message in messages:
        assert set(message) == {"role", "parts"}
        assert isinstance(message["role"], str)
        assert message["role"]
        for part in message["parts"]:
            assert isinstance(part["type"], str)


@given(hostile_values, hostile_values)
def test_every_conversion_of_any_value_is_recordable(value: Any, tools: Any) -> None:
    converted = {
        **chat_input(value, tools),
        **chat_output(value, None),
        "gen_ai.tool.call.arguments": tool_arguments(value),
        "gen_ai.tool.call.result": tool_output(value),
    }
    for key, content in converted.items():
        if content is not None:
            assert_recordable(key, content)
    assert_recordable("gen_ai.tool.definitions", [tool_definition(tools)])
    assert_conventions_shape(to_messages(value))
    assert_conventions_shape([{"role": "user", "parts": to_parts(value)}])


@given(st.lists(st.sampled_from(["a", "b", "c"]), max_size=4))
def test_text_results_become_plain_data(texts: list[str]) -> None:
    output = tool_output([{"type": "text", "text": t} for t in texts])
    assert_plain_json_data(output)
    assert output == ("\n".join(texts) if texts else [])


# -- Exact records of what cannot be read --------------------------------------


def test_a_cycle_holding_a_nan_is_marked_at_once() -> None:
    looped: list[Any] = [math.nan]
    looped.extend([looped, looped])
    assert to_json(looped) == '"<unserializable: circular reference>"'
    mapping: dict[str, Any] = {"score": math.inf}
    mapping["self"] = mapping
    assert to_json({"outer": mapping}) == '"<unserializable: circular reference>"'


def test_text_that_cannot_be_printed_is_named_by_its_type() -> None:
    assert tool_output([{"type": "text", "text": Unprintable()}]) == "<Unprintable>"
    hint = {"type": "hint", "hint": [{"type": "text", "text": Unprintable()}]}
    assert to_parts([hint]) == [{"type": "text", "content": "<Unprintable>"}]
    image = {"type": "image_url", "image_url": {"url": Unprintable()}}
    assert to_parts([image]) == [{"type": "uri", "modality": "image", "uri": "<Unprintable>"}]
    video = {"type": "video", "source": {"type": "url", "url": Unprintable()}}
    assert to_parts([video]) == [{"type": "uri", "modality": "video", "uri": "<Unprintable>"}]


def test_values_whose_reading_fails_are_left_out() -> None:
    assert to_messages(Unreadable()) == []
    assert to_messages(BrokenList([{"role": "user", "content": "hi"}])) == []
    assert to_parts(Unprintable()) == []
    assert to_parts([Unreadable()]) == [{"type": "Unreadable"}]
    assert to_parts([BrokenMapping()]) == [{"type": "BrokenMapping"}]
    assert to_parts([{"type": "hint", "hint": Unprintable()}]) == [{"type": "text", "content": ""}]
    unreadable = Unreadable()
    assert tool_definition(unreadable) is unreadable
    assert chat_input([{"role": "user", "content": "hi"}], Unprintable()) == {
        "gen_ai.system_instructions": None,
        "gen_ai.input.messages": [{"role": "user", "parts": [{"type": "text", "content": "hi"}]}],
        "gen_ai.tool.definitions": None,
    }


def test_blocks_before_a_failing_iteration_are_kept() -> None:
    assert to_parts(BrokenList()) == []
    assert tool_output(_ListThenFailure()) == "kept"


class _ListThenFailure(list[Any]):
    """Yields one text block, then fails."""

    def __iter__(self) -> Iterator[Any]:
        yield {"type": "text", "text": "kept"}
        raise RuntimeError("broke after one block")


def test_a_generator_of_content_is_not_consumed() -> None:
    """A one-shot iterator belongs to the application: recording it must not
    take its items away from the model or the tool that reads it next."""
    blocks = (block for block in [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}])
    tools = (schema for schema in [{"type": "function", "function": {"name": "f"}}])
    message = {"role": "user", "content": blocks}
    assert to_messages([message]) == [{"role": "user", "parts": []}]
    assert chat_input([message], tools)["gen_ai.tool.definitions"] is None
    assert tool_output(iter([{"type": "text", "text": "c"}])) == []
    assert [block["text"] for block in blocks] == ["a", "b"]
    assert [schema["function"]["name"] for schema in tools] == ["f"]


@pytest.mark.parametrize(
    "content",
    [b"\x00\xff" * 1000, bytearray(b"\x89PNG" * 1000), memoryview(b"raw")],
    ids=["bytes", "bytearray", "memoryview"],
)
def test_binary_content_is_no_list_of_numbers(content: Any) -> None:
    assert to_parts(content) == []
    assert to_messages({"role": "user", "content": content}) == [{"role": "user", "parts": []}]


# -- Telemetry.record_content: every recorded value is redacted and cut --------


class RedactionLog:
    """A redactor that notes the key of every value it is shown."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def redact(self, key: str, text: str) -> str:
        self.keys.append(key)
        return "[redacted]" + text


@functools.cache
def recording() -> tuple[Recorded, RedactionLog]:
    """One telemetry for every generated example (providers are slow to build)."""
    log = RedactionLog()
    return Recorded(ContentPolicy(CaptureMode.SPAN_AND_EVENT, 64, log.redact)), log


@given(st.dictionaries(st.sampled_from(CONTENT_KEYS), hostile_values, min_size=1, max_size=3))
def test_record_content_redacts_and_cuts_every_value_on_span_and_event(
    values: dict[str, Any],
) -> None:
    recorded, log = recording()
    recorded.spans.clear()
    recorded.logs.clear()
    log.keys.clear()
    operation = recorded.telemetry.start_chat(ChatRequest(provider="p", model="m", stream=False))
    recorded.telemetry.record_content(operation, values)
    operation.finish(None)

    given_keys = sorted(key for key, value in values.items() if value is not None)
    assert sorted(log.keys) == given_keys
    [attributes] = recorded.attributes()
    on_span = {key: attributes[key] for key in CONTENT_KEYS if key in attributes}
    assert sorted(on_span) == given_keys
    for text in on_span.values():
        assert text.startswith("[redacted]")
        assert len(text) <= 64 or TRUNCATED.fullmatch(text[64:]), text
    records = recorded.logs.get_finished_logs()
    if given_keys:
        [record] = records
        event = {k: v for k, v in record.log_record.attributes.items() if k in CONTENT_KEYS}
        assert event == on_span
    else:
        assert records == ()


def test_otlp_bytes_hold_spans_events_logs_and_metric_points() -> None:
    """The control for the credential searches: what is exported is found."""
    capture = Capture()
    tracer = capture.traced.provider.get_tracer("control")
    with tracer.start_as_current_span("span", attributes={"k": "in-attribute"}) as span:
        span.add_event("event", {"k": "in-event"})
        capture.logger_provider.get_logger("control").emit(
            LogRecord(body="in-log-body", attributes={"k": "in-log-attribute"})
        )
    counter = capture.traced.meter_provider.get_meter("control").create_counter("c")
    counter.add(1, {"k": "in-metric-point"})
    exported = otlp_bytes(capture)
    for planted in ["in-attribute", "in-event", "in-log-body", "in-log-attribute"]:
        assert planted.encode() in exported
    assert b"in-metric-point" in exported
