"""Where telemetry goes for each combination of the standard variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from otelscope.cli.export_plan import ConfigError, ExportPlan, OtlpTarget, plan_from_env

STORE = Path("/stores/here")
HTTP_DEFAULT = OtlpTarget("http/protobuf", "http://localhost:4318/v1/traces")


def plan(local_store: bool = False, **env: str) -> ExportPlan:
    return plan_from_env(env, STORE, local_store=local_store)


def test_nothing_configured_means_the_local_store_only() -> None:
    assert plan() == ExportPlan(STORE, None, False, None, False)


def test_an_endpoint_means_otlp_over_http_for_traces_and_metrics_without_the_store() -> None:
    assert plan(OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4318/") == ExportPlan(
        store_dir=None,
        otlp=OtlpTarget("http/protobuf", "http://collector:4318/v1/traces"),
        console=False,
        metrics_otlp=OtlpTarget("http/protobuf", "http://collector:4318/v1/metrics"),
        metrics_console=False,
    )


def test_a_traces_only_endpoint_sends_no_metrics_unless_asked() -> None:
    traces_only = plan(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://phoenix:6006/v1/traces")
    assert traces_only.otlp == OtlpTarget("http/protobuf", "http://phoenix:6006/v1/traces")
    assert traces_only.metrics_otlp is None
    asked = plan(
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://phoenix:6006/v1/traces",
        OTEL_METRICS_EXPORTER="otlp",
    )
    assert asked.metrics_otlp == OtlpTarget("http/protobuf", "http://localhost:4318/v1/metrics")


def test_grpc_protocol_and_default_endpoints() -> None:
    grpc = plan(OTEL_TRACES_EXPORTER="otlp", OTEL_EXPORTER_OTLP_PROTOCOL="grpc")
    assert grpc.otlp == OtlpTarget("grpc", "http://localhost:4317")
    assert grpc.metrics_otlp == OtlpTarget("grpc", "http://localhost:4317")
    mixed = plan(OTEL_TRACES_EXPORTER="otlp", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="grpc")
    assert (mixed.otlp, mixed.metrics_otlp) == (
        OtlpTarget("grpc", "http://localhost:4317"),
        OtlpTarget("http/protobuf", "http://localhost:4318/v1/metrics"),
    )


def test_the_local_store_alongside_otlp_when_asked() -> None:
    by_flag = plan(True, OTEL_TRACES_EXPORTER="otlp")
    by_env = plan(OTEL_TRACES_EXPORTER="otlp", OTELSCOPE_LOCAL_STORE="always")
    assert (by_flag.store_dir, by_flag.otlp) == (STORE, HTTP_DEFAULT)
    assert (by_env.store_dir, by_env.otlp) == (STORE, HTTP_DEFAULT)


def test_none_records_nothing_and_metrics_can_be_turned_off() -> None:
    assert plan(OTEL_TRACES_EXPORTER="none") == ExportPlan(None, None, False, None, False)
    assert plan(True, OTEL_TRACES_EXPORTER="none").store_dir == STORE
    quiet = plan(OTEL_EXPORTER_OTLP_ENDPOINT="http://c:4318", OTEL_METRICS_EXPORTER="none")
    assert (quiet.otlp is not None, quiet.metrics_otlp) == (True, None)


def test_console_exporters() -> None:
    console = plan(OTEL_TRACES_EXPORTER="console", OTEL_METRICS_EXPORTER="console")
    assert console == ExportPlan(None, None, True, None, True)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"OTEL_TRACES_EXPORTER": "zipkin"},
            "OTEL_TRACES_EXPORTER=zipkin: otelscope can export to otlp, console or none",
        ),
        (
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
            "OTLP protocol 'http/json' is not supported: use http/protobuf or grpc",
        ),
        (
            {"OTELSCOPE_LOCAL_STORE": "sometimes"},
            "OTELSCOPE_LOCAL_STORE=sometimes: use auto or always",
        ),
    ],
)
def test_settings_otelscope_cannot_honour_are_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        plan_from_env(env, STORE)
    assert str(raised.value) == message


def test_the_run_finds_the_store_where_the_store_says_it_is(monkeypatch, tmp_path: Path) -> None:
    """``otelscope run`` reads the store's location without importing the store."""
    from otelscope.cli import export_plan
    from otelscope.store import location

    assert export_plan.STORE_DIR_ENV == location.STORE_DIR_ENV
    monkeypatch.chdir(tmp_path)
    for value in (None, "", "  ", "~/traces", "relative/store", "/abs/store"):
        if value is None:
            monkeypatch.delenv(location.STORE_DIR_ENV, raising=False)
        else:
            monkeypatch.setenv(location.STORE_DIR_ENV, value)
        assert export_plan.default_store_dir() == location.default_store_dir(), value
