# Quick start: `make demo` runs the main job, `make test` lints and tests.
# Both create .venv on first use; only python3 and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The engine's cycle path is compiled at install (hatch_build.py): editing
# one of its modules or declarations reinstalls, which recompiles it.
CORE := $(foreach m,clock streams buffer machine,fabsim/sim/$(m).py fabsim/sim/$(m).pxd)

# pip shows the build's own messages only with -v: say which engine installed.
ENGINE = $(BIN)/python -c "from fabsim.sim.build import engine_build as b; \
	print('fabsim engine:', b(), '' if b() == 'compiled' else '(same results, slower; docs/performance.md)')"

INSTALL_DEPS := pyproject.toml hatch_build.py $(CORE)

$(VENV)/.installed: $(INSTALL_DEPS) | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@$(ENGINE)
	touch $@

$(VENV)/.installed-dev: $(INSTALL_DEPS) | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	@$(ENGINE)
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/fabsim compare

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
	rm -f fabsim/sim/*.so fabsim/sim/*.pyd
