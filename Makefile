# Quick start: `make demo` builds the default bank into output/, `make test` runs the suite.
# Both create .venv and install the project on first use; they are safe to run again.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install clean bench test-deps bench-peers

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/quizgen build --out output

# What the tests drive besides Python: Debian's chromium (HTML pages and card scripts, through
# Playwright's executable_path; never a browser download), poppler's pdftoppm (pages looked at
# as images) and the npm parsers in tests/js. Installed only when missing: a second run does nothing.
JS_STAMP := tests/js/node_modules/.installed
$(JS_STAMP): tests/js/package.json
	cd tests/js && npm install --no-audit --no-fund --silent
	touch $(JS_STAMP)

# Debian packages the tests drive, as command:package pairs; only missing ones are installed.
SYSTEM_TOOLS := chromium:chromium pdftoppm:poppler-utils

test-deps: $(STAMP) $(JS_STAMP)
	@missing=""; for pair in $(SYSTEM_TOOLS); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "note: missing$$missing (apt-get install them); the tests that need them will be skipped"; fi; fi

test: test-deps
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

# The peers the benchmarks compare with (not test dependencies): text2qti for benchmarks/qti.py,
# genanki (a quizgen dependency already) for benchmarks/anki.py, and Debian's auto-multiple-choice
# for the class set in benchmarks/pdf.py (installed with apt when missing and we are root).
bench-peers: $(STAMP)
	$(BIN)/python -m pip install --quiet 'text2qti>=0.8'
	@command -v auto-multiple-choice >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: auto-multiple-choice"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      auto-multiple-choice >/dev/null; \
	  else echo "note: auto-multiple-choice is missing (apt-get install auto-multiple-choice); the class-set row then has no peer"; fi; }

clean:
	rm -rf $(VENV) output/*.apkg output/*.pdf output/manifest.json
