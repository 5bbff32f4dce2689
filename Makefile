# yusuan — `make demo` and `make test` set everything up themselves.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.stamp-setup
EXAMPLE := examples/jiefang-hrss-2025

.PHONY: setup demo test lint bench example clean serve

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

SEED    := ../shared/seeds/000_b36b569784039dee.txt

demo: $(STAMP)
	@# the department's 汇总 and every unit's own disclosure (out/汇总/, out/<单位代码>/), Word included
	$(VENV)/bin/yusuan build $(EXAMPLE)/budget.yaml -o out --units --format pdf,html,xlsx,json,docx
	@# the year's 部门决算, 汇总 and each unit's, from the example's (illustrative) execution data
	$(VENV)/bin/yusuan final $(EXAMPLE)/budget.yaml $(EXAMPLE)/execution.csv --adjustments $(EXAMPLE)/adjustments.csv \
	  --actuals $(EXAMPLE)/actuals.csv -o out/决算 --units --format pdf,html,xlsx,json,docx
	@# the seed is a real published disclosure with real errors: its audit exits 1 by design
	@if [ -f $(SEED) ]; then \
	  echo; echo "审核种子文档（已公开的真实预算，含真实错误）："; \
	  $(VENV)/bin/yusuan audit $(SEED) --format html -o out/seed-audit.html; \
	  $(VENV)/bin/yusuan audit $(SEED); status=$$?; [ $$status -le 1 ]; \
	else echo "（未找到 $(SEED)，跳过种子审核）"; fi

# The web API tests also run against a real PostgreSQL server: scripts/postgres.sh installs
# (apt-get, when missing) and starts a private one on 127.0.0.1:54329 and prints its URL.
test: $(STAMP)
	@url=$$(bash scripts/postgres.sh) || { echo "无法启动测试用 PostgreSQL"; exit 1; }; \
	  YUSUAN_TEST_POSTGRES_URL=$$url $(PY) -m pytest -q

# The web application on http://127.0.0.1:8000/ (SQLite under ~/.local/share/yusuan unless
# YUSUAN_DATABASE_URL is set; admin password from YUSUAN_ADMIN_PASSWORD, else printed once).
serve: $(STAMP)
	$(VENV)/bin/yusuan serve

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) benchmarks/build_example.py
	$(PY) benchmarks/render.py
	$(PY) benchmarks/audit.py
	$(PY) benchmarks/build_generated.py
	$(PY) benchmarks/render_docx.py
	$(PY) benchmarks/publish.py

# Regenerate the example workbook from the YAML ledger.
example: $(STAMP)
	$(VENV)/bin/yusuan convert $(EXAMPLE)/budget.yaml $(EXAMPLE)/budget.xlsx

clean:
	rm -rf out build *.egg-info .pytest_cache .ruff_cache .mypy_cache
