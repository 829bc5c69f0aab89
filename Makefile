# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STATE_DIR ?= .sim-state
ARGS ?=
PURGE ?= 0

.PHONY: run test lint typecheck pytest bench mosquitto systemd-tools chromium venv clean install uninstall

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

## make run: the device in simulation on this machine (no hardware needed)
run: venv
	$(VENV)/bin/hushlight run --simulate --sim-broker --config config/hushlight.toml --state-dir $(STATE_DIR) $(ARGS)

## make test: lint, type check and the whole test suite
test: venv mosquitto systemd-tools chromium lint typecheck pytest

mosquitto:
	@if command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's mosquitto package for the broker tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mosquitto >/dev/null; \
	else \
		echo "The tests need a mosquitto binary: run 'sudo apt-get install mosquitto' (Debian/Raspberry Pi OS) or 'brew install mosquitto' (macOS), then 'make test' again." >&2; \
		exit 1; \
	fi

# systemd-analyze checks the unit (verify, security); Debian's systemd package has it.
systemd-tools:
	@if command -v systemd-analyze >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's systemd package for systemd-analyze (the unit's tests)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends systemd >/dev/null; \
	else \
		echo "note: no systemd-analyze here ('sudo apt-get install systemd'): the unit's tests are skipped" >&2; \
	fi

# The web page's tests drive Debian's chromium through chromium-driver (no browser download).
chromium:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium and chromium-driver for the web page tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; \
	else \
		echo "The web page tests need Debian's chromium: run 'sudo apt-get install chromium chromium-driver' (they are skipped until then)." >&2; \
	fi

lint: venv
	$(VENV)/bin/ruff check device tests bench
	$(VENV)/bin/ruff format --check device tests bench

typecheck: venv
	$(VENV)/bin/mypy device

pytest: venv
	$(PY) -m pytest -q -p no:cacheprovider --cov=device --cov-branch --cov-report= --cov-fail-under=85 $(ARGS)

## sudo make install: Hushlight as a service on this Raspberry Pi (scripts/install.sh; safe to run again)
install:
	@bash scripts/install.sh

## sudo make uninstall: remove it again; the config and the journal stay unless PURGE=1
uninstall:
	@PURGE=$(PURGE) bash scripts/uninstall.sh

## make bench: timing and memory figures, written to bench/results.json
bench: venv
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(STATE_DIR) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
