# The two front-door commands are `make run` and `make test`; the rest are helpers.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test import package bench-auth bench-certify

# The virtual environment is made and filled from the project's own pinned requirements.
$(STAMP): requirements/*.txt functions/requirements.txt layers/vision/requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt -e .
	touch $(STAMP)

# Emulated AWS + API + demo data, in the foreground; Ctrl-C stops all of it.
run: $(STAMP)
	$(PY) -m pensioncert.devstack

# Every test suite: unit, integration, e2e, infrastructure, vision.
test: $(STAMP)
	$(PY) -m pytest

# Import a pensioner registry CSV into the running local stack: make import FILE=registry.csv
import: $(STAMP)
	$(PY) -m pensioncert.registry_import "$(FILE)"

# The API function's deployment package (zip + SAM template) in build/api.
package: $(STAMP)
	cd functions && AWS_DEFAULT_REGION=cn-northwest-1 ../$(VENV)/bin/chalice package --stage prod ../build/api

bench-certify: $(STAMP)
	$(PY) bench/certify_bench.py

bench-auth: $(STAMP)
	$(PY) bench/auth_bench.py

# --- vision (layers/vision) ---
VISION_PATH := PYTHONPATH=layers/vision$${PYTHONPATH:+:$$PYTHONPATH}
.PHONY: models layer evaluate bench-vision

models: $(STAMP)
	$(PY) layers/vision/build_models.py

layer: $(STAMP)
	$(PY) layers/vision/build_layer.py build/vision-layer.zip

# make evaluate ARGS='match DIR' | ARGS='liveness DIR'. `make evaluate` alone builds the registry-photo sets and runs both.
evaluate: models
ifeq ($(strip $(ARGS)),)
	$(VISION_PATH) $(PY) layers/vision/fetch_photos.py
	$(VISION_PATH) $(PY) -m vision.evaluate match .cache/vision/eval/match
	$(VISION_PATH) $(PY) -m vision.evaluate liveness .cache/vision/eval/liveness
else
	$(VISION_PATH) $(PY) -m vision.evaluate $(ARGS)
endif

bench-vision: models
	$(VISION_PATH) $(PY) layers/vision/fetch_photos.py
	$(VISION_PATH) $(PY) bench/vision_bench.py
# --- end vision ---

# --- admin (admin_dash) ---
# --- end admin ---

# --- infra (infra/, docs/) ---
# --- end infra ---

# --- reliability (fuzz, load) ---
# --- end reliability ---
