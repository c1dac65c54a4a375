# otelscope: set-up, tests and the demo. Every target installs what it needs
# into virtual environments under .venv/, one per AgentScope line (the lines
# cannot share one: 1.x needs mcp<2, 2.x needs mcp>=2).

PYTHON ?= python3
VENV := .venv
AS1 := $(VENV)/as1
AS1_OLDEST := $(VENV)/as1-oldest
AS2 := $(VENV)/as2
PYTEST_FLAGS ?= -q

.PHONY: test lint typecheck test-as1 test-as1-oldest test-as2 demo venvs bench-util-genai clean

## test: lint, type-check, and run the whole suite on every AgentScope line.
test: lint typecheck test-as1 test-as1-oldest test-as2

## demo: run the offline demo (overlapping calls) on both AgentScope lines.
demo: $(AS1)/.installed $(AS2)/.installed
	$(AS1)/bin/python -m otelscope.demo
	$(AS2)/bin/python -m otelscope.demo

venvs: $(AS1)/.installed $(AS1_OLDEST)/.installed $(AS2)/.installed

test-as1: $(AS1)/.installed
	$(AS1)/bin/python -m pytest tests/core tests/v1 $(PYTEST_FLAGS)

test-as1-oldest: $(AS1_OLDEST)/.installed
	$(AS1_OLDEST)/bin/python -m pytest tests/v1 $(PYTEST_FLAGS)

test-as2: $(AS2)/.installed
	$(AS2)/bin/python -m pytest tests/core tests/v2 $(PYTEST_FLAGS)

lint: $(AS2)/.installed
	$(AS2)/bin/ruff check src tests benchmarks
	$(AS2)/bin/ruff format --check src tests benchmarks

typecheck: $(AS2)/.installed
	$(AS2)/bin/mypy

# A venv is rebuilt when its requirements or the package metadata change.
$(VENV)/%/.installed: requirements/%.txt requirements/common.txt pyproject.toml
	rm -rf $(VENV)/$*
	$(PYTHON) -m venv $(VENV)/$*
	$(VENV)/$*/bin/python -m pip install --quiet -r requirements/$*.txt
	$(VENV)/$*/bin/python -m pip install --quiet --no-deps -e .
	touch $@

$(AS2)/.installed: requirements/dev.txt

## bench-util-genai: the figures behind "not built on opentelemetry-util-genai".
bench-util-genai:
	$(PYTHON) -m venv $(VENV)/util-genai
	$(VENV)/util-genai/bin/python -m pip install --quiet --pre -r benchmarks/requirements-util-genai.txt
	$(VENV)/util-genai/bin/python -m benchmarks.util_genai_overhead

clean:
	rm -rf $(VENV)
