"""``wrap_own_methods``: every class of a hierarchy that defines the method,
now and later, and several methods of one base."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from otelscope.core.hierarchy import wrap_own_methods
from otelscope.core.patching import Patches


def tagging(tag: str, calls: list[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(self: Any) -> Any:
            calls.append(f"{tag} {type(self).__name__}")
            return original(self)

        return wrapped

    return wrap


def test_two_methods_of_one_base_are_wrapped_on_classes_defined_later() -> None:
    seen_by_base: list[str] = []

    class Base:
        def __init_subclass__(cls, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            seen_by_base.append(cls.__name__)

        def read(self) -> str:
            return "read"

        def write(self) -> str:
            return "write"

    calls: list[str] = []
    patches = Patches()
    wrap_own_methods(Base, "read", tagging("read", calls), patches)
    wrap_own_methods(Base, "write", tagging("write", calls), patches)

    class Later(Base):
        def read(self) -> str:
            return "later read"

        def write(self) -> str:
            return "later write"

    assert (Later().read(), Later().write()) == ("later read", "later write")
    assert calls == ["read Later", "write Later"]
    # The base's own hook still runs, once per class.
    assert seen_by_base == ["Later"]

    patches.restore_all()
    calls.clear()

    class AfterRestore(Base):
        def read(self) -> str:
            return "plain"

    assert AfterRestore().read() == "plain"
    assert calls == []
    assert seen_by_base == ["Later", "AfterRestore"]
