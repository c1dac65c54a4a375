"""The provider tests keep the SDKs' retries but make their pauses short."""

from __future__ import annotations

import pytest

# The SDKs built on Stainless read their back-off from these module globals
# on every retry.
_RETRY_PAUSES = ("openai._base_client", "anthropic._base_client")


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in _RETRY_PAUSES:
        monkeypatch.setattr(f"{module}.INITIAL_RETRY_DELAY", 0.001)
        monkeypatch.setattr(f"{module}.MAX_RETRY_DELAY", 0.001)
