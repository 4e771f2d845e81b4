# The README's commands. `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
FLASK := $(BIN)/flask --app wsgi
PYTEST_ARGS ?=

.PHONY: install migrate demo run test test-postgres lint bench bench-scale soak system-deps clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load

run: demo
	$(BIN)/honcho -f Procfile.dev start

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: install
	@for script in benchmarks/*.py; do case $$script in */scale*|*/soak.py) continue;; esac; \
		echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Ten minutes of mixed load on PostgreSQL (own databases soak_app and soak_sim, emptied first).
soak: install
	$(BIN)/python benchmarks/soak.py $(SOAK_ARGS)

# Latency at 10 % and 100 % of a province on PostgreSQL (builds two databases, ~16 GB and
# ~20 min for the large one; drops what they held): SCALE_DB=postgresql+psycopg://…/prefix
SCALE_DB ?= postgresql+psycopg://postgres@127.0.0.1:5432/scale
bench-scale: install
	$(BIN)/python benchmarks/scale.py --build --small $(SCALE_DB)10 --large $(SCALE_DB)100

# Debian packages some tests use (headless Chromium, pdftoppm, cairo for SVG rasterising,
# a Vietnamese-capable font, nginx to check the site file, pg_dump for backups).
# Needs root; tests that need them skip with a reason where they are missing.
system-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		missing=""; \
		command -v chromium >/dev/null || missing="$$missing chromium chromium-driver"; \
		command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
		ldconfig -p | grep -q libcairo.so.2 || missing="$$missing libcairo2"; \
		command -v nginx >/dev/null || missing="$$missing nginx-light"; \
		command -v pg_dump >/dev/null || missing="$$missing postgresql-client"; \
		command -v wrk >/dev/null || missing="$$missing wrk"; \
		[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
		if [ -n "$$missing" ]; then apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi; \
	else echo "system-deps: not root or no apt-get; browser and PDF tests may skip"; fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
