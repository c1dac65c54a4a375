"""Captured message content, read into messages and parts people can read.

With content capture on, spans carry the GenAI conventions' JSON in six
attributes: system instructions (a list of parts), tool definitions, input and
output messages (each ``{"role", "parts": [...]}``), and a tool call's
arguments and result. This module reads them into `Section`s of `Message`s
and `Part`s, which the terminal tree and the HTML page both draw.

Content is untrusted and need not have the conventions' shape: the recorder
cuts long values (the JSON then ends in a marker and no longer parses), and
other producers write what they like. A value that does not parse, or parses
to another shape, becomes one ``raw`` part holding the value as recorded; a
message or part of another shape inside a list that does parse is kept the
same way, alone. Reading never raises on any attribute value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from otelscope.core import conventions as conv
from otelscope.store.records import AttributeValue

# Each content attribute and the title it is shown under, in the order shown:
# what the model was told, then what went in and came out.
CONTENT_TITLES: Final = (
    (conv.SYSTEM_INSTRUCTIONS, "system"),
    (conv.TOOL_DEFINITIONS, "tools"),
    (conv.INPUT_MESSAGES, "input"),
    (conv.OUTPUT_MESSAGES, "output"),
    (conv.TOOL_CALL_ARGUMENTS, "arguments"),
    (conv.TOOL_CALL_RESULT, "result"),
)
# A tool's text result (or text arguments) is recorded as the text itself,
# not as JSON: that is its plain shape, not a broken one.
_TEXT_VALUED: Final = frozenset({conv.TOOL_CALL_ARGUMENTS, conv.TOOL_CALL_RESULT})
RAW: Final = "raw"


@dataclass(frozen=True)
class Part:
    """One part of a message, as a label and a text.

    ``kind`` is the part's ``type`` (``text``, ``tool_call``, ...), ``json``
    for a structured value, ``tool`` for a tool definition, or ``raw`` for a
    value shown as recorded. ``label`` says what the part is
    (``tool_call get_weather (call_1)``); plain text has none.
    """

    kind: str
    label: str
    text: str


@dataclass(frozen=True)
class Message:
    """A message's role and parts; ``role`` is None for parts of no message
    (system instructions, tool definitions, arguments, results)."""

    role: str | None
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Section:
    """The content of one attribute."""

    key: str
    title: str
    messages: tuple[Message, ...]


def content_sections(
    attributes: Mapping[str, AttributeValue], *, indent: int | None = None
) -> list[Section]:
    """The content attributes among ``attributes``, laid out; ``indent``
    pretty-prints structured values (JSON's own ``indent``), None keeps them
    on one line."""
    sections = []
    for key, title in CONTENT_TITLES:
        if key in attributes:
            messages = _read(key, attributes[key], indent)
            sections.append(Section(key, title, messages))
    return sections


def _read(key: str, value: AttributeValue, indent: int | None) -> tuple[Message, ...]:
    raw = value if isinstance(value, str) else _recorded_text(value)
    try:
        decoded = json.loads(raw)
        return _READERS[key](decoded, raw, indent)
    except (ValueError, RecursionError):
        # Not JSON (cut short, or plain text), or nested past what Python can walk.
        if key in _TEXT_VALUED:
            return (Message(None, (Part("text", "", raw),)),)
        return (_raw_message(raw),)


def _recorded_text(value: AttributeValue) -> str:
    # Another producer's array attribute: shown as the JSON array it is.
    if isinstance(value, list | tuple):
        return json.dumps(list(value), ensure_ascii=False)
    return str(value)


def _raw_message(raw: str) -> Message:
    return Message(None, (Part(RAW, "", raw),))


def _messages(decoded: object, raw: str, indent: int | None) -> tuple[Message, ...]:
    if not isinstance(decoded, list):
        return (_raw_message(raw),)
    return tuple(_message(item, indent) for item in decoded)


def _message(item: object, indent: int | None) -> Message:
    if not isinstance(item, dict) or not isinstance(item.get("parts"), list):
        return Message(None, (Part(RAW, "", _json_text(item, indent)),))
    role = item.get("role")
    role_text = _value_text(role, None) if role is not None else "(no role)"
    name = item.get("name")
    if name is not None:
        role_text += f" ({_value_text(name, None)})"
    return Message(role_text, tuple(_part(part, indent) for part in item["parts"]))


def _loose_parts(decoded: object, raw: str, indent: int | None) -> tuple[Message, ...]:
    """System instructions: a list of parts belonging to no message."""
    if not isinstance(decoded, list):
        return (_raw_message(raw),)
    return (Message(None, tuple(_part(part, indent) for part in decoded)),)


def _tool_definitions(decoded: object, raw: str, indent: int | None) -> tuple[Message, ...]:
    if not isinstance(decoded, list):
        return (_raw_message(raw),)
    return (Message(None, tuple(_tool_definition(tool, indent) for tool in decoded)),)


def _tool_definition(tool: object, indent: int | None) -> Part:
    """``name(param, ...)`` and the description; the schema stays in the raw JSON."""
    if isinstance(tool, dict) and isinstance(tool.get("function"), dict):
        tool = tool["function"]  # the OpenAI shape some producers record
    if not isinstance(tool, dict):
        return Part(RAW, "", _json_text(tool, indent))
    name = _value_text(tool.get("name"), None) or "(no name)"
    parameters = tool.get("parameters")
    properties = parameters.get("properties") if isinstance(parameters, dict) else None
    names = ", ".join(properties) if isinstance(properties, dict) else ""
    return Part("tool", f"{name}({names})", _value_text(tool.get("description"), indent))


def _arguments(decoded: object, raw: str, indent: int | None) -> tuple[Message, ...]:
    return (Message(None, (_value_part(decoded, raw, indent),)),)


def _result(decoded: object, raw: str, indent: int | None) -> tuple[Message, ...]:
    """A tool's result: its text, any JSON value, or parts (images and the like)."""
    if isinstance(decoded, list) and decoded and all(_is_part(item) for item in decoded):
        return _loose_parts(decoded, raw, indent)
    return _arguments(decoded, raw, indent)


def _value_part(decoded: object, raw: str, indent: int | None) -> Part:
    if isinstance(decoded, dict | list):
        return Part("json", "", _json_text(decoded, indent))
    # A scalar is shown as recorded: "Sunny", 42, or a JSON string with its quotes.
    return Part("text", "", raw)


def _is_part(item: object) -> bool:
    return isinstance(item, dict) and isinstance(item.get("type"), str)


def _part(item: object, indent: int | None) -> Part:
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        return Part(RAW, "", _json_text(item, indent))
    kind: str = item["type"]
    reader = _PART_READERS.get(kind)
    if reader is None:
        return _other_part(kind, item, indent)
    return reader(item, indent)


def _text_part(item: dict[str, object], indent: int | None) -> Part:
    return Part("text", "", _value_text(item.get("content"), indent))


def _reasoning_part(item: dict[str, object], indent: int | None) -> Part:
    return Part("reasoning", "reasoning", _value_text(item.get("content"), indent))


def _tool_call_part(item: dict[str, object], indent: int | None) -> Part:
    label = _labelled("tool_call", item.get("name"), _in_parentheses(item.get("id")))
    return Part("tool_call", label, _value_text(item.get("arguments"), indent))


def _tool_response_part(item: dict[str, object], indent: int | None) -> Part:
    label = _labelled("tool_call_response", _in_parentheses(item.get("id")))
    return Part("tool_call_response", label, _value_text(item.get("response"), indent))


def _uri_part(item: dict[str, object], indent: int | None) -> Part:
    return Part("uri", _media_label("uri", item), _value_text(item.get("uri"), indent))


def _blob_part(item: dict[str, object], indent: int | None) -> Part:
    data = item.get("content")
    # Base64 tells a reader nothing; its size does. The raw JSON keeps the data.
    text = f"[{len(data):,} characters of data]" if isinstance(data, str) else ""
    return Part("blob", _media_label("blob", item), text)


def _other_part(kind: str, item: dict[str, object], indent: int | None) -> Part:
    """A part type this viewer does not know: its type, then its fields."""
    fields = {key: value for key, value in item.items() if key != "type"}
    return Part(kind, kind, _json_text(fields, indent) if fields else "")


def _media_label(kind: str, item: dict[str, object]) -> str:
    qualifiers = [
        _value_text(item[key], None) for key in ("modality", "mime_type") if item.get(key)
    ]
    return _labelled(kind, f"({', '.join(qualifiers)})" if qualifiers else None)


def _in_parentheses(value: object) -> str | None:
    return None if value is None else f"({_value_text(value, None)})"


def _labelled(kind: str, *details: object) -> str:
    words = [kind] + [_value_text(detail, None) for detail in details if detail is not None]
    return " ".join(word for word in words if word)


def _value_text(value: object, indent: int | None) -> str:
    """A string as it is; nothing as nothing; any other value as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return _json_text(value, indent)


def _json_text(value: object, indent: int | None) -> str:
    # Decoded from JSON, so always encodable (NaN too: Python reads and writes
    # it); only nesting deeper than the encoder can walk raises, and `_read`
    # then shows the whole value raw.
    return json.dumps(value, ensure_ascii=False, indent=indent)


_READERS: Final[dict[str, Callable[[object, str, int | None], tuple[Message, ...]]]] = {
    conv.SYSTEM_INSTRUCTIONS: _loose_parts,
    conv.TOOL_DEFINITIONS: _tool_definitions,
    conv.INPUT_MESSAGES: _messages,
    conv.OUTPUT_MESSAGES: _messages,
    conv.TOOL_CALL_ARGUMENTS: _arguments,
    conv.TOOL_CALL_RESULT: _result,
}
_PART_READERS: Final[dict[str, Callable[[dict[str, object], int | None], Part]]] = {
    "text": _text_part,
    "reasoning": _reasoning_part,
    "tool_call": _tool_call_part,
    "tool_call_response": _tool_response_part,
    "uri": _uri_part,
    "blob": _blob_part,
}
