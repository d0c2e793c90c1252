# The two front-door commands are `make run` and `make test`; everything else is a helper.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test import bench

$(STAMP): requirements/*.txt layers/vision/requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt -e .
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m pensioncert.devstack

test: $(STAMP)
	$(PY) -m pytest

import: $(STAMP)
	$(PY) -m pensioncert.registry_import "$(FILE)"

# --- vision (layers/vision) ---
# --- end vision ---
