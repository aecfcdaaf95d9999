# The two set-up commands in README.md: `make serve` and `make test`. Each creates the virtual
# environment from pyproject.toml on first use, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/screenline serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# System packages the tests need: Chromium (the candidate page in a browser) and PortAudio
# (`screenline mic`). Installs only what is missing, as root on Debian/Ubuntu; elsewhere it
# says what to install (the browser test then skips, naming the missing binary).
APT_PACKAGES := chromium libportaudio2 espeak-ng

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "make deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
	  echo "make deps: missing system packages:$$missing (apt-get install -y$$missing as root)"; \
	fi

test: lint deps
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/resources.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
