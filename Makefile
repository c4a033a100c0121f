# The README's two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint messages bench clean

run: $(VENV)/.installed
	./bin/run

# The site's pages, create flow and API again on SQLite, the embedded default a laptop runs
# (CI's DATABASE_URL is PostgreSQL): a query only PostgreSQL knows fails here.
SQLITE_TESTS = tests/test_pages.py tests/test_pages_zh_hans.py tests/test_generation_submit.py \
  tests/test_sound_submit.py tests/test_works.py tests/test_accounts.py tests/test_staff_review.py \
  tests/test_api_jobs.py tests/test_api_uploads.py tests/test_api_creative_tools.py

test: $(VENV)/.installed-dev chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest
	env -u DATABASE_URL $(VENV)/bin/pytest -q $(SQLITE_TESTS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Python 3.11 with venv; Debian/Ubuntu split venv into its own package.
$(PY):
	$(PYTHON) -m venv $(VENV) || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV))

$(VENV)/.installed: $(PY) requirements.txt
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install -q -r requirements-dev.txt
	touch $@

# Browser tests drive Debian's Chromium; install it once if it is missing, with a CJK font so
# that the 简体中文 screenshots (var/screenshots) show characters, not empty boxes.
chromium:
	@(command -v chromium >/dev/null && fc-list :lang=zh | grep -q .) || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium fonts-noto-cjk)

# Refresh the translation catalogue after changing strings (needs gettext).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
