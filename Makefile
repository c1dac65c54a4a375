# otelscope: set-up, tests and the demo. Every target installs what it needs
# into virtual environments under .venv/, one per AgentScope line (the lines
# cannot share one: 1.x needs mcp<2, 2.x needs mcp>=2).

PYTHON ?= python3
VENV := .venv
AS1 := $(VENV)/as1
AS1_OLDEST := $(VENV)/as1-oldest
AS2 := $(VENV)/as2
PYTEST_FLAGS ?= -q

.PHONY: test test-fast lint typecheck test-as1 test-as1-oldest test-as2 test-phoenix browser-deps demo demo-as2 soak venvs bench bench-store bench-view clean

## test: lint, type-check, and run the whole suite on every AgentScope line,
## then export the demo to a real backend (Arize Phoenix) and read it back.
test: lint typecheck test-as1 test-as1-oldest test-as2 test-phoenix

## test-phoenix: the demo exported over OTLP to Phoenix, read back through its API.
## The demo runs on both lines; Phoenix runs from its own venv (see below).
test-phoenix: $(AS1)/.installed $(AS2)/.installed $(VENV)/phoenix/.installed
	$(AS1)/bin/python -m pytest tests/phoenix $(PYTEST_FLAGS)

## demo: set up AgentScope 1.x and otelscope, run `otelscope demo`: trace trees on
## screen, the spans in ./.otelscope, and the path of their HTML waterfall page.
demo: $(AS1)/.installed
	$(AS1)/bin/otelscope demo

## demo-as2: the same on AgentScope 2.x.
demo-as2: $(AS2)/.installed
	$(AS2)/bin/otelscope demo

## test-fast: a quicker tier while working: lint, types, and the suite on 1.0.21 and
## 2.0.11 without the generated scenarios, the load tests, the browser and Phoenix.
## `make test` (what CI runs) stays the reference.
FAST := -m "not scenarios and not load"
test-fast: lint typecheck $(AS1)/.installed $(AS2)/.installed
	$(AS1)/bin/python -m pytest tests/core tests/store tests/cli tests/providers tests/lines tests/v1 $(FAST) $(PYTEST_FLAGS)
	$(AS2)/bin/python -m pytest tests/core tests/providers tests/lines tests/v2 $(FAST) $(PYTEST_FLAGS)

venvs: $(AS1)/.installed $(AS1_OLDEST)/.installed $(AS2)/.installed

# Line-agnostic suites (core, store, command line) run on both lines, and so do
# tests/lines, the agent tests both lines share (each on the line installed).
test-as1: $(AS1)/.installed
	$(AS1)/bin/python -m pytest tests/core tests/store tests/cli tests/cost tests/providers tests/lines tests/v1 $(PYTEST_FLAGS)

test-as1-oldest: $(AS1_OLDEST)/.installed
	$(AS1_OLDEST)/bin/python -m pytest tests/lines tests/v1 $(PYTEST_FLAGS)

# The viewer's browser tests run here once, with Debian's Chromium.
test-as2: $(AS2)/.installed browser-deps
	$(AS2)/bin/python -m pytest tests/core tests/store tests/cli tests/cost tests/viewer tests/providers tests/lines tests/v2 $(PYTEST_FLAGS)

## soak: the generated-scenario tests with many more scenarios, drawn at random
## (OTELSCOPE_SCENARIOS=N to choose how many per test).
soak: $(AS1)/.installed $(AS2)/.installed
	OTELSCOPE_HYPOTHESIS_PROFILE=soak $(AS1)/bin/python -m pytest tests/v1 -m scenarios $(PYTEST_FLAGS)
	OTELSCOPE_HYPOTHESIS_PROFILE=soak $(AS2)/bin/python -m pytest tests/v2 -m scenarios $(PYTEST_FLAGS)

## browser-deps: Debian's chromium and chromium-driver, for the viewer's browser tests.
browser-deps:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then \
		echo "browser-deps: chromium and chromedriver already installed"; \
	else \
		echo "browser-deps: installing Debian's chromium and chromium-driver"; \
		apt-get update \
			&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
				chromium chromium-driver \
			|| { echo "browser-deps: installing chromium and chromium-driver FAILED" >&2; exit 1; }; \
		test -x /usr/bin/chromium && test -x /usr/bin/chromedriver \
			|| { echo "browser-deps: /usr/bin/chromium or /usr/bin/chromedriver still missing" >&2; exit 1; }; \
	fi

lint: $(AS2)/.installed
	$(AS2)/bin/ruff check src tests benchmarks
	$(AS2)/bin/ruff format --check src tests benchmarks

typecheck: $(AS2)/.installed
	$(AS2)/bin/mypy

# Each line's venv is otelscope installed with that line's extra, the way a user installs
# it, and the test requirements, in one resolve: AgentScope and what it needs come from
# the extra alone, at the exact versions requirements/<venv>-agentscope.txt pins (a
# constraints file), so CI runs on what `pip install ".[agentscope1]"` gives.
EXTRA_as1 := agentscope1
EXTRA_as1-oldest := agentscope1
EXTRA_as2 := agentscope2

# A venv is rebuilt when its requirements or the package metadata change.
$(VENV)/%/.installed: requirements/%.txt requirements/%-agentscope.txt requirements/common.txt pyproject.toml
	rm -rf $(VENV)/$*
	$(PYTHON) -m venv $(VENV)/$*
	$(VENV)/$*/bin/python -m pip install --quiet -e ".[$(EXTRA_$*),cli,test]" -r requirements/$*.txt
	touch $@

$(AS2)/.installed: requirements/dev.txt requirements/browser.txt

# Arize Phoenix, the backend of test-phoenix: a program the tests start and talk to
# over loopback, so its venv holds Phoenix alone, not otelscope or the test tools.
$(VENV)/phoenix/.installed: requirements/phoenix.txt
	rm -rf $(VENV)/phoenix
	$(PYTHON) -m venv $(VENV)/phoenix
	$(VENV)/phoenix/bin/python -m pip install --quiet -r requirements/phoenix.txt
	touch $@

## bench: what otelscope adds per agent call, in process CPU, against its targets: the
## span floor, the sampled-out floor, the telemetry floor, the no-logic bare-spans configuration
## and the peers (loongsuite, Tencent agentobs), both AgentScope lines, one interleaved run
## (5-15 min with load). Prints the tables; writes benchmarks/results/overhead.{md,json}.
## BENCH_FLAGS="--rounds 80 --calls 64" for more rounds or longer blocks.
BENCH_FLAGS ?=
BENCH_PEERS := loongsuite-as1 loongsuite-as2 agentobs-as1 agentobs-as2
bench: $(AS1)/.installed $(AS2)/.installed $(BENCH_PEERS:%=$(VENV)/bench-%/.installed)
	$(PYTHON) -m benchmarks $(BENCH_FLAGS)

# The peers' venvs, from pinned files under benchmarks/.
$(VENV)/bench-%/.installed: benchmarks/requirements-%.txt
	rm -rf $(VENV)/bench-$*
	$(PYTHON) -m venv $(VENV)/bench-$*
	$(VENV)/bench-$*/bin/python -m pip install --quiet -r benchmarks/requirements-$*.txt
	touch $@

# agentobs without its CLS uploader's dependencies (see benchmarks/requirements-agentobs-as1.txt).
AGENTOBS := tencentcloud-agentobs-sdk-agentscope==0.1.5
$(VENV)/bench-agentobs-as%/.installed: benchmarks/requirements-agentobs-as%.txt
	rm -rf $(VENV)/bench-agentobs-as$*
	$(PYTHON) -m venv $(VENV)/bench-agentobs-as$*
	$(VENV)/bench-agentobs-as$*/bin/python -m pip install --quiet -r $<
	$(VENV)/bench-agentobs-as$*/bin/python -m pip install --quiet --no-deps $(AGENTOBS)
	touch $@

clean:
	rm -rf $(VENV)

## bench-store: `otelscope show` on a full store (8 rotated files of 32 MiB and the active
## one, built once into .venv/bench-store through the real exporter): wall time and peak RSS
## of the list, a tree and a page, each a subprocess, against 0.5 s and 150 MB.
bench-store: $(AS1)/.installed
	$(AS1)/bin/python -m benchmarks.store

## bench-view: `otelscope view` on a store of 5,000 traces (built once into .venv/bench-view):
## the page's size, the time to write it, and its time to first render in headless Chromium,
## with the default limit and with --all.
bench-view: $(AS2)/.installed browser-deps
	$(AS2)/bin/python -m benchmarks.view_page
