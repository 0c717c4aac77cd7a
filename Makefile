# Two commands (see README): `make demo` sets everything up and grades the demo batch;
# `make test` runs the test suite. Everything else here is what those two need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast bench system-packages clean

setup: $(STAMP) system-packages

# torch first and pinned (the CPU build), then everything else under constraints.txt.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $(STAMP)

# bubblewrap isolates student code (without it grading still works, with a loud warning);
# chromium renders the HTML report in its test (skipped, saying so, without it); postgresql:
# the tests start a server of their own for the gradebook on PostgreSQL (tests/pgserver.py).
system-packages:
	@missing=""; command -v bwrap >/dev/null || missing="bubblewrap"; \
	  [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      (apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing) >/dev/null \
	        || echo "could not install:$$missing"; \
	    else echo "not installed:$$missing (bubblewrap: sandboxed grading; chromium: report test;" \
	      "postgresql: gradebook-server tests)"; fi; \
	  fi

demo: setup
	$(BIN)/course release ps2
	$(BIN)/course grade ps2 --submitted demo/submitted

test: setup
	$(BIN)/python -m pytest -q --durations=15

# The fast tier only: each step on small fixtures, no sandbox (seconds).
test-fast: setup
	$(BIN)/python -m pytest -q -m fast

# Throughput against nbgrader autograde on the same files (prints figures; see bench/README.md).
bench: setup
	$(BIN)/python bench/benchmark.py --assignment ps2

clean:
	rm -rf $(VENV) autograded exports gradebook.db
