"""Where telemetry goes, decided once from the standard OpenTelemetry variables.

The parent (``otelscope run``) and the program it starts read the same
environment through ``plan_from_env``, so the summary names exactly the
destinations the program used. The rules:

- ``OTEL_TRACES_EXPORTER`` lists exporters (``otlp``, ``console``) or says
  ``none``. Unset, it means ``otlp`` when an OTLP endpoint variable is set,
  and nothing otherwise.
- With no trace exporter at all, spans go to the local store; with
  ``OTELSCOPE_LOCAL_STORE=always`` (or ``--local-store``) they go there in
  addition to the exporters. ``OTEL_TRACES_EXPORTER=none`` alone records
  nothing.
- Metrics follow ``OTEL_METRICS_EXPORTER``; unset, they go over OTLP when
  traces do, except when the only endpoint given is the traces-specific one.
  The local store keeps traces only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LOCAL_STORE_ENV = "OTELSCOPE_LOCAL_STORE"
LOCAL_STORE_MODES = ("auto", "always")

# ``otelscope.store.location``'s variable and default, read here without
# importing ``otelscope.store``: that package loads the store's exporter and
# reader, which the parent of ``otelscope run`` has no use for and every run
# would wait for. tests/cli/test_export_plan.py checks that both agree.
STORE_DIR_ENV = "OTELSCOPE_STORE_DIR"
_DEFAULT_STORE_DIR_NAME = ".otelscope"

HTTP_PROTOBUF = "http/protobuf"
GRPC = "grpc"
_PROTOCOLS = (HTTP_PROTOBUF, GRPC)
_DEFAULT_ENDPOINTS = {HTTP_PROTOBUF: "http://localhost:4318", GRPC: "http://localhost:4317"}

_TRACE_EXPORTERS = ("otlp", "console")
_METRIC_EXPORTERS = ("otlp", "console")


class ConfigError(ValueError):
    """A setting otelscope cannot act on; the message says which and why."""


@dataclass(frozen=True)
class OtlpTarget:
    protocol: str
    endpoint: str

    @property
    def description(self) -> str:
        """The endpoint and the protocol, as messages name the destination."""
        return f"{self.endpoint} (OTLP {self.protocol})"


@dataclass(frozen=True)
class ExportPlan:
    store_dir: Path | None
    otlp: OtlpTarget | None
    console: bool
    metrics_otlp: OtlpTarget | None
    metrics_console: bool

    @property
    def exports_traces(self) -> bool:
        return self.store_dir is not None or self.otlp is not None or self.console


def default_store_dir() -> Path:
    """``$OTELSCOPE_STORE_DIR`` if set and not empty, else ``./.otelscope``."""
    configured = os.environ.get(STORE_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path.cwd() / _DEFAULT_STORE_DIR_NAME


def plan_from_env(
    env: Mapping[str, str], store_dir: Path, *, local_store: bool = False
) -> ExportPlan:
    """The destinations ``env`` asks for; ``store_dir`` is used if the store is."""
    traces = _exporters(env, "OTEL_TRACES_EXPORTER", _TRACE_EXPORTERS)
    if traces is None:
        traces = ["otlp"] if _endpoint_set(env, "TRACES") else []
    otlp = _otlp_target(env, "TRACES") if "otlp" in traces else None
    metrics = _exporters(env, "OTEL_METRICS_EXPORTER", _METRIC_EXPORTERS)
    if metrics is None:
        metrics = ["otlp"] if otlp is not None and _metrics_follow_traces(env) else []
    mode = _local_store_mode(env, local_store)
    # "none" parses to an empty list: asked for nothing, so no store either.
    unconfigured = not traces and env.get("OTEL_TRACES_EXPORTER", "").strip() == ""
    use_store = mode == "always" or unconfigured
    return ExportPlan(
        store_dir=store_dir if use_store else None,
        otlp=otlp,
        console="console" in traces,
        metrics_otlp=_otlp_target(env, "METRICS") if "otlp" in metrics else None,
        metrics_console="console" in metrics,
    )


def _exporters(env: Mapping[str, str], variable: str, known: tuple[str, ...]) -> list[str] | None:
    """The exporter names in ``variable``; None when it is unset or empty."""
    raw = env.get(variable, "")
    names = [name.strip().lower() for name in raw.split(",") if name.strip()]
    if not names:
        return None
    if names == ["none"]:
        return []
    unknown = [name for name in names if name not in known]
    if unknown:
        choices = ", ".join(known)
        raise ConfigError(f"{variable}={raw}: otelscope can export to {choices} or none")
    return names


def _endpoint_set(env: Mapping[str, str], signal: str) -> bool:
    names = (f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
    return any(env.get(name, "").strip() for name in names)


def _metrics_follow_traces(env: Mapping[str, str]) -> bool:
    """Metrics go to the traces' collector, unless only a traces endpoint was given:
    that says nothing about where metrics would be welcome."""
    traces_only = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    return not traces_only or _endpoint_set(env, "METRICS")


def _otlp_target(env: Mapping[str, str], signal: str) -> OtlpTarget:
    protocol = (
        env.get(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL", "").strip()
        or env.get("OTEL_EXPORTER_OTLP_PROTOCOL", "").strip()
        or HTTP_PROTOBUF
    )
    if protocol not in _PROTOCOLS:
        raise ConfigError(
            f"OTLP protocol {protocol!r} is not supported: use {HTTP_PROTOBUF} or {GRPC}"
        )
    return OtlpTarget(protocol, _endpoint(env, signal, protocol))


def _endpoint(env: Mapping[str, str], signal: str, protocol: str) -> str:
    """The URL the SDK's exporter will use, as it computes it (for messages)."""
    specific = env.get(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT", "").strip()
    if specific:
        return specific
    base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip() or _DEFAULT_ENDPOINTS[protocol]
    if protocol == GRPC:
        return base
    return f"{base.rstrip('/')}/v1/{signal.lower()}"


def _local_store_mode(env: Mapping[str, str], flag: bool) -> str:
    if flag:
        return "always"
    mode = env.get(LOCAL_STORE_ENV, "").strip().lower() or "auto"
    if mode not in LOCAL_STORE_MODES:
        raise ConfigError(f"{LOCAL_STORE_ENV}={mode}: use {' or '.join(LOCAL_STORE_MODES)}")
    return mode
