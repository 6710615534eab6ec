# Two commands do all the set-up (see README.md):
#   make demo   creates .venv with Python >= 3.12, installs hubspoke, runs the baseline scenario
#   make test   creates .venv, installs hubspoke with its test extras, runs the test suite
# Override the interpreter with PYTHON=/path/to/python3.12.

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install install-test clean

# uv installs the packages: on a machine with nothing cached it fetches them in parallel
# (the test extras in ~14 s, where pip took 42 s on two cores, or 16 s with its cache
# warm); the interpreter's pip only brings uv itself. `make test UV=` installs with pip
# alone, e.g. to use pip's own settings (an index, constraints), which uv does not read.
UV := $(VENV)/bin/uv
ifeq ($(strip $(UV)),)
INSTALL   := $(PY) -m pip install --quiet --no-compile
INSTALLER := $(PY)
VENV_ARGS :=
else
# pip comes with the packages (for whoever installs into the venv later), not from
# ensurepip: a venv without pip is made in 0.05 s, with it in ~3.3 s
INSTALL   := $(UV) pip install --quiet --python $(PY) pip
INSTALLER := $(UV)
VENV_ARGS := --without-pip
endif

$(PY):
	@interp="$$(bash .ci/find-python)" || exit 1; \
	echo "creating $(VENV) with $$interp"; \
	"$$interp" -m venv $(VENV_ARGS) $(VENV)
ifeq ($(strip $(UV)),)
	$(PY) -m pip install --quiet --upgrade pip
endif

# uv from the interpreter's own pip, into the venv (--prefix; --ignore-installed, or a uv
# of the interpreter's would count as installed); an interpreter without pip: ensurepip
$(VENV)/bin/uv: | $(PY)
	@base="$$($(PY) -c 'import sys; print(sys._base_executable)')"; \
	PIP_ROOT_USER_ACTION=ignore "$$base" -m pip install --quiet --disable-pip-version-check \
		--ignore-installed --prefix $(VENV) "uv>=0.9,<1" 2>/dev/null && [ -x $@ ] \
	|| { $(PY) -m ensurepip >/dev/null && $(PY) -m pip install --quiet "uv>=0.9,<1"; }

# The install compiles no bytecode (uv never does; pip is told not to: it compiles one file
# at a time), then compileall on every core. The packages' own test folders are left out:
# nothing here imports them (a third of the files; 18.6 -> 11.3 s on two cores)
COMPILE := $(PY) -m compileall -q -j 0 -x '/site-packages/.*/tests?/' $(VENV)/lib >/dev/null
$(STAMP): pyproject.toml hatch_build.py sim/engine/kernels.c | $(INSTALLER)
	$(INSTALL) -e .
	$(COMPILE)
	touch $@

# the tests compile as they import (TEST_ENV below), so this install compiles nothing;
# it leaves $(STAMP) alone, so that `make demo` afterwards still compiles for the command
$(STAMP)-test: pyproject.toml hatch_build.py sim/engine/kernels.c | $(INSTALLER)
	$(INSTALL) -e ".[test]"
	touch $@

# the students' app (docs/app.md): its extra, then the server on 127.0.0.1
# (options: make app ARGS="port=9000")
.PHONY: app
$(STAMP)-app: pyproject.toml hatch_build.py sim/engine/kernels.c | $(INSTALLER)
	$(INSTALL) -e ".[app]"
	$(COMPILE)
	touch $@ $(STAMP)

app: $(STAMP)-app
	$(VENV)/bin/hubspoke app $(ARGS)

install: $(STAMP)
install-test: $(STAMP)-test

demo: $(STAMP)
	$(VENV)/bin/hubspoke run scenario=baseline

# The test run writes bytecode as it imports, into .venv/pycache alone (nothing in the
# work tree): this machine may set PYTHONDONTWRITEBYTECODE, and then each of the suite's
# processes would compile every module it imports. Compiling as imported takes only the
# half of the venv's files the suite uses, instead of compileall's 10 s for all of them
# before the first test (a clean clone's suite took as long either way).
TEST_ENV := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache

# a test worker a core (pytest-xdist, work stealing; tests/conftest.py); the
# suite takes ~2.5 min on 2 cores
test: $(STAMP)-test
	$(TEST_ENV) $(PY) -m pytest -n auto --dist worksteal

lint: $(STAMP)-test
	$(VENV)/bin/ruff check sim tests benchmarks
	$(VENV)/bin/ruff format --check sim tests benchmarks

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
