# Quick start: `make demo` builds the default bank into output/, `make test` runs the suite.
# Both create .venv and install the project on first use; they are safe to run again.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install clean bench test-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/quizgen build --out output

# What the tests drive besides Python: Debian's chromium (HTML pages and card scripts, through
# Playwright's executable_path; never a browser download) and the npm parsers in tests/js.
# Installed only when missing, so a second run does nothing.
JS_STAMP := tests/js/node_modules/.installed
$(JS_STAMP): tests/js/package.json
	cd tests/js && npm install --no-audit --no-fund --silent
	touch $(JS_STAMP)

test-deps: $(STAMP) $(JS_STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	  else echo "note: chromium is not installed (apt-get install chromium); browser tests will be skipped"; fi; }
	@command -v pdftoppm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null); \
	  else echo "note: poppler-utils is not installed (apt-get install poppler-utils); page-image tests will be skipped"; fi; }

test: test-deps
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) output/*.apkg output/*.pdf output/manifest.json
