"""AgentScope messages in the GenAI conventions' JSON shape.

Both lines tag every content block with a ``type`` (1.x blocks are
TypedDicts, 2.x blocks pydantic models), so one reader serves both:

- ``text`` -> ``{"type": "text", "content": ...}``; 2.x ``hint`` likewise
- ``thinking`` -> ``{"type": "reasoning", "content": ...}``
- ``tool_use`` (1.x, arguments a dict) and ``tool_call`` (2.x, arguments a
  JSON string) -> ``{"type": "tool_call", "id", "name", "arguments"}``
- ``tool_result`` -> ``{"type": "tool_call_response", "id", "response"}``
- ``image`` / ``audio`` / ``video`` (1.x) and ``data`` (2.x) -> ``uri`` or
  ``blob`` parts with their modality
- anything else -> ``{"type": <its type>}``, so an unknown block is visible
  without guessing its fields.

A message whose blocks are all tool results has the role ``tool``.

Whatever a message holds, reading it never raises and never consumes it: a
one-shot iterator (a generator of blocks) is left for the application, a
value whose reading fails is left out, and text that cannot be printed is
named by its type.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from otelscope.core import conventions as conv
from otelscope.core.values import field, text

Part = dict[str, Any]
Message = dict[str, Any]


def chat_input(messages: Any, tools: Any) -> dict[str, Any]:
    """A chat request's content: system instructions apart from the messages."""
    converted = to_messages(messages)
    system = [part for m in converted if m["role"] == "system" for part in m["parts"]]
    definitions = [tool_definition(tool) for tool in items_of(tools)]
    return {
        conv.SYSTEM_INSTRUCTIONS: system or None,
        conv.INPUT_MESSAGES: [m for m in converted if m["role"] != "system"],
        conv.TOOL_DEFINITIONS: definitions or None,
    }


def tool_definition(schema: Any) -> Any:
    """AgentScope hands models OpenAI-style schemas (``{"type": "function",
    "function": {name, description, parameters}}``); the conventions list
    each tool flat (``{"type", "name", "description", "parameters"}``)."""
    function = field(schema, "function")
    if isinstance(schema, Mapping) and isinstance(function, Mapping):
        with contextlib.suppress(Exception):  # unreadable: recorded as it is
            return {"type": schema.get("type", "function"), **function}
    return schema


def chat_output(content: Any, finish_reason: str | None) -> dict[str, Any]:
    """A chat response's content: one assistant message."""
    message: Message = {"role": "assistant", "parts": to_parts(content)}
    if finish_reason is not None:
        message["finish_reason"] = finish_reason
    return {conv.OUTPUT_MESSAGES: [message]}


def to_messages(messages: Any) -> list[Message]:
    """One message, a list of them, or None, as conventions messages.

    Tool results travel in a ``tool`` message of their own, as providers
    receive them (2.x appends a tool's result to the assistant message that
    called it)."""
    if messages is None:
        return []
    listed = items_of(messages) if isinstance(messages, list | tuple) else [messages]
    converted: list[Message] = []
    for message in listed:
        if _is_message(message):
            converted.extend(_split_tool_results(message))
    return converted


def to_message(message: Any) -> Message:
    """One message as it is: a message made of tool results alone has the
    role ``tool``."""
    parts = to_parts(field(message, "content"))
    role = text(field(message, "role")) or "user"
    if parts and all(part["type"] == "tool_call_response" for part in parts):
        role = "tool"
    return {"role": role, "parts": parts}


def _split_tool_results(message: Any) -> list[Message]:
    whole = to_message(message)
    results = [part for part in whole["parts"] if part["type"] == "tool_call_response"]
    others = [part for part in whole["parts"] if part["type"] != "tool_call_response"]
    if not results or not others:
        return [whole]
    return [{"role": whole["role"], "parts": others}, {"role": "tool", "parts": results}]


def to_parts(content: Any) -> list[Part]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    return [to_part(block) for block in items_of(content)]


def items_of(values: Any) -> list[Any]:
    """The items of a collection of blocks, messages or tools; none for a
    string, binary data, a mapping or a one-shot iterator (reading a
    generator would take its items from the application). Items that come
    before a failing iteration are kept."""
    if not isinstance(values, Iterable) or isinstance(values, _NOT_COLLECTIONS):
        return []
    items: list[Any] = []
    with contextlib.suppress(Exception):
        items.extend(values)
    return items


_NOT_COLLECTIONS = (str, bytes, bytearray, memoryview, Mapping, Iterator)


def to_part(block: Any) -> Part:
    # Some provider formats tag text blocks by their key alone ({"text": ...}).
    kind = text(field(block, "type")) or (
        "text" if isinstance(field(block, "text"), str) else type(block).__name__
    )
    convert = _CONVERTERS.get(kind)
    return convert(block, kind) if convert is not None else {"type": kind}


def _text(block: Any, kind: str) -> Part:
    return {"type": "text", "content": field(block, "text")}


def _hint(block: Any, kind: str) -> Part:
    hint = field(block, "hint")
    return {"type": "text", "content": hint if isinstance(hint, str) else _texts(hint)}


def _thinking(block: Any, kind: str) -> Part:
    return {"type": "reasoning", "content": field(block, "thinking")}


def _tool_call(block: Any, kind: str) -> Part:
    return {
        "type": "tool_call",
        "id": field(block, "id"),
        "name": field(block, "name"),
        "arguments": tool_arguments(field(block, "input")),
    }


def _tool_result(block: Any, kind: str) -> Part:
    # AgentScope's own blocks say `id` / `output`; Anthropic's provider format
    # (what a 1.x model receives) says `tool_use_id` / `content`.
    call_id = field(block, "id")
    output = field(block, "output")
    return {
        "type": "tool_call_response",
        "id": call_id if call_id is not None else field(block, "tool_use_id"),
        "response": tool_output(output if output is not None else field(block, "content")),
    }


def _image_url(block: Any, kind: str) -> Part:
    return {
        "type": "uri",
        "modality": "image",
        "uri": _printed(field(field(block, "image_url"), "url")),
    }


def _media(block: Any, kind: str) -> Part:
    source = field(block, "source")
    media_type = text(field(source, "media_type"))
    modality = kind if kind != "data" else (media_type or "").split("/")[0] or "unknown"
    if text(field(source, "type")) == "url" or field(source, "url") is not None:
        part: Part = {"type": "uri", "modality": modality, "uri": _printed(field(source, "url"))}
    else:
        part = {"type": "blob", "modality": modality, "content": field(source, "data")}
    if media_type is not None:
        part["mime_type"] = media_type
    return part


_CONVERTERS: dict[str, Callable[[Any, str], Part]] = {
    "text": _text,
    "hint": _hint,
    "thinking": _thinking,
    "tool_use": _tool_call,
    "tool_call": _tool_call,
    "tool_result": _tool_result,
    "image": _media,
    "audio": _media,
    "video": _media,
    "data": _media,
    "image_url": _image_url,
}


def tool_arguments(arguments: Any) -> Any:
    """Tool-call arguments as an object when they are JSON (2.x sends a string)."""
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except ValueError:
            return arguments
    return arguments


def tool_output(output: Any) -> Any:
    """A tool's output: its text, or its blocks as parts."""
    if isinstance(output, str) or output is None:
        return output
    parts = to_parts(output)
    if parts and all(part["type"] == "text" for part in parts):
        return "\n".join(_printed(part["content"]) for part in parts)
    return parts


def _texts(blocks: Any) -> str:
    texts = [field(block, "text") for block in items_of(blocks)]
    return "\n".join(_printed(text) for text in texts if text is not None)


def _printed(value: Any) -> str:
    """``str(value)``, or the type's name when the value cannot be printed."""
    try:
        return str(value)
    except Exception:
        return f"<{type(value).__name__}>"


def _is_message(value: Any) -> bool:
    return field(value, "content") is not None or field(value, "role") is not None
