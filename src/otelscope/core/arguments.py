"""A wrapped method's arguments by parameter name, for the readers that need
them by name (a retrieval's query and limit, a memory's records)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any


def signature_of(function: Callable[..., Any]) -> inspect.Signature | None:
    """The function's signature, read once when it is wrapped; None when
    Python cannot tell it (some builtins)."""
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def bound_arguments(
    signature: inspect.Signature | None, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> Mapping[str, Any]:
    """``args`` and ``kwargs`` by parameter name, defaults applied. A call
    that does not fit the signature (it will raise ``TypeError`` itself) is
    traced with no arguments known."""
    if signature is None:
        return {}
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return {}
    bound.apply_defaults()
    return bound.arguments
