"""Request attributes that many providers' requests share, read from the
request body an SDK is about to send."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv
from otelscope.core.values import integer, known, number, text

# Output formats that ask for JSON, by the name providers give them.
_JSON_FORMATS = frozenset({"json_object", "json_schema", "json"})


def sampling(
    body: Mapping[str, Any], *, max_tokens: Any = None, stop: Any = None
) -> dict[str, AttributeValue]:
    """The model asked for and the sampling parameters the conventions name
    (under the names most providers use; the caller passes the ones its
    provider names otherwise)."""
    values: dict[str, AttributeValue | None] = {
        conv.REQUEST_MODEL: text(body.get("model")),
        conv.REQUEST_TEMPERATURE: number(body.get("temperature")),
        conv.REQUEST_TOP_P: number(body.get("top_p")),
        conv.REQUEST_TOP_K: number(body.get("top_k")),
        conv.REQUEST_MAX_TOKENS: integer(max_tokens),
        conv.REQUEST_SEED: integer(body.get("seed")),
        conv.REQUEST_FREQUENCY_PENALTY: number(body.get("frequency_penalty")),
        conv.REQUEST_PRESENCE_PENALTY: number(body.get("presence_penalty")),
        conv.REQUEST_STOP_SEQUENCES: stop_sequences(stop),
    }
    return known(values)


def embedding(model: Any, dimensions: Any, encoding: Any = None) -> dict[str, AttributeValue]:
    """An embeddings request: the model, the dimensions asked for and the
    encoding format, those that are known."""
    values: dict[str, AttributeValue | None] = {
        conv.REQUEST_MODEL: text(model),
        conv.EMBEDDINGS_DIMENSION_COUNT: integer(dimensions),
        conv.REQUEST_ENCODING_FORMATS: (encoding,) if text(encoding) else None,
    }
    return known(values)


def stop_sequences(stop: Any) -> tuple[str, ...] | None:
    if isinstance(stop, str):
        return (stop,)
    if isinstance(stop, list | tuple) and stop and all(isinstance(s, str) for s in stop):
        return tuple(stop)
    return None


def output_type(format_name: str | None) -> str | None:
    """``gen_ai.output.type`` for a requested output format, if any."""
    if format_name is None:
        return None
    return conv.OUTPUT_TYPE_JSON if format_name in _JSON_FORMATS else conv.OUTPUT_TYPE_TEXT
