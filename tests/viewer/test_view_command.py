"""``otelscope view`` as a user runs it, on a store written by the real exporter."""

from __future__ import annotations

import dataclasses
import json
import re
import stat
from pathlib import Path

import pytest

from otelscope.cost import load_prices
from otelscope.viewer.store_page import render_store_html
from tests.cli.launches import otelscope
from tests.viewer.store_traces import (
    HOSTILE_TRACE,
    NEWEST_FIRST,
    THIRD,
    store_traces,
    write_prices,
    write_store,
)

BLOCK = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.DOTALL)


def _data(page: str) -> dict:
    return json.loads(dict(BLOCK.findall(page))["store-data"])


@pytest.fixture
def store(tmp_path: Path) -> Path:
    write_store(tmp_path / ".otelscope")
    write_prices(tmp_path)
    return tmp_path / ".otelscope"


def test_view_writes_the_page_of_the_store_into_it(store: Path) -> None:
    done = otelscope("view", "--prices", "prices.toml", cwd=store.parent)

    page = store / "view.html"
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"wrote {store / 'view.html'} (6 traces)\n"
    # The page holds what the store holds: its owner's only, as the store's files are.
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    # Exactly the page of the spans written, read back through the index.
    prices = load_prices(store.parent / "prices.toml")
    expected = render_store_html(
        store_traces(), title="otelscope traces", source=str(store.resolve()), total=6,
        prices=prices,
    )  # fmt: skip
    assert page.read_text(encoding="utf-8") == expected


def test_the_limit_keeps_the_newest_traces(store: Path) -> None:
    done = otelscope("view", "--limit", "2", "-o", "two.html", cwd=store.parent)

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "wrote two.html (the 2 newest of 6 traces; --all for every one)\n"
    page = (store.parent / "two.html").read_text(encoding="utf-8")
    data = _data(page)
    assert [trace["traceId"] for trace in data["traces"]] == [HOSTILE_TRACE, THIRD]
    assert (data["total"], len(BLOCK.findall(page))) == (6, 3)


def test_all_reads_every_trace(store: Path) -> None:
    write_store(store, store_traces()[:1])  # a trace given twice: still one trace
    done = otelscope("view", "--all", "-o", "all.html", cwd=store.parent)

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "wrote all.html (6 traces)\n"
    data = _data((store.parent / "all.html").read_text(encoding="utf-8"))
    assert [trace["traceId"] for trace in data["traces"]] == NEWEST_FIRST
    assert data["traces"][-1]["spanCount"] == 6


def test_the_readme_commands(store: Path) -> None:
    """`otelscope view` and `otelscope view --all -o traces.html`, word for word."""
    for arguments, written in (((), store / "view.html"), (("--all", "-o", "traces.html"), None)):
        done = otelscope("view", *arguments, cwd=store.parent)
        assert (done.returncode, done.stderr) == (0, ""), arguments
        page = (written or store.parent / "traces.html").read_text(encoding="utf-8")
        assert [trace["traceId"] for trace in _data(page)["traces"]] == NEWEST_FIRST


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--limit", "0"), "argument --limit: must be at least 1"),
        (("--limit", "2", "--all"), "argument --all: not allowed with argument --limit"),
    ],
)
def test_a_limit_is_a_positive_number_or_all(store: Path, arguments, message) -> None:
    done = otelscope("view", *arguments, cwd=store.parent)

    assert done.returncode == 2
    assert message in done.stderr
    assert not (store / "view.html").exists()


def test_a_missing_or_empty_store_is_an_error(tmp_path: Path) -> None:
    missing = otelscope("view", "--store", "nowhere", cwd=tmp_path)
    (tmp_path / "empty").mkdir()
    empty = otelscope("view", "--store", "empty", cwd=tmp_path)

    assert missing.returncode == 1
    assert missing.stderr.startswith("otelscope: error: no trace store at nowhere")
    assert (empty.returncode, empty.stderr) == (
        1,
        "otelscope: error: the store holds no traces to write a page of\n",
    )
    assert not (tmp_path / "empty" / "view.html").exists()


def test_an_unwritable_page_is_an_error(store: Path) -> None:
    done = otelscope("view", "-o", "no/such/dir/page.html", cwd=store.parent)

    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "otelscope: error: cannot write no/such/dir/page.html: No such file or directory\n"
    )


def test_a_few_traces_of_a_larger_store_are_read_one_by_one(tmp_path: Path) -> None:
    """Under one trace in WHOLE_STORE_SHARE wanted, each is read from its own lines."""
    traces = store_traces()
    extra = [
        [dataclasses.replace(span, trace_id=f"{number:032x}") for span in traces[0]]
        for number in range(1, 41)
    ]
    write_store(tmp_path / ".otelscope", extra + traces)
    done = otelscope("view", "--limit", "2", "-o", "two.html", cwd=tmp_path)

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "wrote two.html (the 2 newest of 46 traces; --all for every one)\n"
    data = _data((tmp_path / "two.html").read_text(encoding="utf-8"))
    assert [trace["traceId"] for trace in data["traces"]] == [HOSTILE_TRACE, THIRD]
    assert [trace["spanCount"] for trace in data["traces"]] == [2, 3]
