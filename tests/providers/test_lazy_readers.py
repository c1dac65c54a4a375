"""Provider SDK readers are installed when the SDK is imported, never by
``instrument()`` itself: importing every SDK would cost each instrumented
process seconds. Each case runs in a fresh interpreter, where no SDK has been
imported yet."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PRELUDE = """
import sys
from opentelemetry.sdk.trace import TracerProvider
from otelscope import AgentScopeInstrumentor
from otelscope.core.patching import ORIGINAL_ATTRIBUTE

def read(sdk):
    module = __import__(sdk + "._base_client", fromlist=["AsyncAPIClient"])
    return hasattr(module.AsyncAPIClient.request, ORIGINAL_ATTRIBUTE)

instrumentor = AgentScopeInstrumentor()
"""


def run(script: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_instrument_imports_no_provider_sdk() -> None:
    assert (
        run(
            """
        before = {m for m in ("anthropic", "xai_sdk", "ollama", "google.genai") if m in sys.modules}
        instrumentor.instrument(tracer_provider=TracerProvider())
        after = {m for m in ("anthropic", "xai_sdk", "ollama", "google.genai") if m in sys.modules}
        print(sorted(before), sorted(after))
        """
        )
        == "[] []"
    )


def test_an_sdk_imported_after_instrument_is_read_until_uninstrument() -> None:
    assert (
        run(
            """
        instrumentor.instrument(tracer_provider=TracerProvider())
        import anthropic
        print(read("anthropic"), end=" ")
        instrumentor.uninstrument()
        print(read("anthropic"))
        """
        )
        == "True False"
    )


def test_an_sdk_imported_after_uninstrument_is_left_alone() -> None:
    assert (
        run(
            """
        instrumentor.instrument(tracer_provider=TracerProvider())
        instrumentor.uninstrument()
        import anthropic
        print(read("anthropic"), end=" ")
        instrumentor.instrument(tracer_provider=TracerProvider())
        print(read("anthropic"))
        """
        )
        == "False True"
    )
