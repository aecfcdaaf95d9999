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

# System packages the tests need: Chromium (the candidate page in a browser), PortAudio
# (`screenline mic`), espeak-ng (other voices) and Asterisk's English prompts with their
# transcripts (recorded human speech, tests/human_speech.py; never copied into the project).
# Installs only what is missing, as root on Debian/Ubuntu; elsewhere it says what to install
# (the tests that need one then skip, naming it; under CI they fail).
APT_PACKAGES := chromium libportaudio2 espeak-ng asterisk-core-sounds-en-wav asterisk-core-sounds-en

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
