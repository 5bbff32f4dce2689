# yusuan — `make demo` and `make test` set everything up themselves.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.stamp-setup
EXAMPLE := examples/jiefang-hrss-2025

.PHONY: setup demo test lint bench example clean

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/yusuan build $(EXAMPLE)/budget.yaml -o out

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) benchmarks/build_example.py
	$(PY) benchmarks/build_generated.py

# Regenerate the example workbook from the YAML ledger.
example: $(STAMP)
	$(VENV)/bin/yusuan convert $(EXAMPLE)/budget.yaml $(EXAMPLE)/budget.xlsx

clean:
	rm -rf out build *.egg-info .pytest_cache .ruff_cache .mypy_cache
