# The two front-door commands are `make run` and `make test`; the rest are helpers.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint import package bench-auth bench-certify reset

# The virtual environment is made and filled from the project's own pinned requirements.
$(STAMP): requirements/*.txt functions/requirements.txt layers/vision/requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 requires pip<26.3
	$(PY) -m pip install --quiet -r requirements/dev.txt -e .
	touch $(STAMP)

# Emulated AWS + API + demo data, in the foreground; Ctrl-C stops all of it. Models are extracted
# first if missing; the emulator's data is kept in .cache/localstate across restarts.
run: $(STAMP) models
	$(PY) -m localstage.devstack

# Forget the local stage's kept data (accounts, certifications, imports); the next `make run` starts clean.
reset:
	rm -rf .cache/localstate .cache/localstate.tmp

# Every test suite: unit, integration, e2e, infrastructure, vision; the ten slowest tests at the end.
# `make lint` first.
# Models and test media are extracted first (so parallel workers never fetch them at once).
test: $(STAMP) lint browser test-media
	$(PY) -m pytest --durations=10

# The same suite on both cores (pytest-xdist; tests/conftest.py keeps the files that share a stack on
# one worker: it never did until 2026-12-08, see there and requirements/dev.txt). 21 min, and not yet
# green: two admin browser tests did not find a page element in time while the other worker ran
# browsers too (2 of 1,180, that day), so make test stays on one worker.
test-parallel: $(STAMP) lint browser test-media
	$(PY) -m pytest -n 2 --dist loadgroup --durations=10

test-media: models
	$(VISION_PATH) $(PY) -c "import fetch_photos, fetch_footage; fetch_photos.fetch(); fetch_footage.fetch()"

# ruff over all of the repository's Python, then mypy over the shipped code (pensioncert, functions,
# layers/vision/vision, admin_dash) and the local stage (localstage); rules and strictness in
# pyproject.toml, caches in .ruff_cache and .mypy_cache.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m mypy

# The edit-run loop: the unit tests alone (no emulator, no browser, no models), in seconds.
test-fast: $(STAMP)
	$(PY) -m pytest tests/unit -q

# Import a pensioner registry CSV into the running local stack: make import FILE=registry.csv
import: $(STAMP) models
	$(PY) -m pensioncert.registry_import "$(FILE)"

# Import a life-event feed (data matching, issue 13) into the running local stack: make import-events FILE=events.csv
import-events: $(STAMP)
	$(PY) -m pensioncert.import_events "$(FILE)"

# A system's CSV into the deployed feed bucket, then the marker that starts the matching run (issue 22):
# make deliver FILE=events.csv SYSTEM=medical_insurance BUCKET=<the stack's feed bucket>
.PHONY: deliver
deliver: $(STAMP)
	$(PY) -m pensioncert.matching.deliver "$(FILE)" --system "$(SYSTEM)" --bucket "$(BUCKET)"

# The reminder and suspension jobs once, against the running local stack (make run also runs them daily)
jobs: $(STAMP)
	$(PY) -m pensioncert.jobs all

# The deployable artefacts in build/deploy (see the infra section): one merged template (the API
# function, tables, bucket, key, secrets, the vision function's image) and the API function's zip.
package: package-all

bench-certify: $(STAMP)
	$(PY) bench/certify_bench.py

bench-auth: $(STAMP)
	$(PY) bench/auth_bench.py

# Data matching at a province's size (issue 22; bench/scale_bench.py): DuckDB on 10 M people x 30 M
# events, the scheduled jobs' "who" over 10 M, Spark local mode on 1 M / 3 M events with parity, the
# write-back against an emulator. Takes a while: figures in .cache/bench-scale/figures.json.
.PHONY: bench-scale
bench-scale: $(STAMP)
	$(PY) bench/scale_bench.py

# --- vision (layers/vision) ---
VISION_PATH := PYTHONPATH=layers/vision:.$${PYTHONPATH:+:$$PYTHONPATH}
.PHONY: models layer evaluate bench-vision

models: $(STAMP)
	$(PY) layers/vision/build_models.py

layer: $(STAMP)
	$(PY) layers/vision/build_layer.py build/vision-layer.zip

# make evaluate ARGS='match DIR' | ARGS='liveness DIR'. `make evaluate` alone evaluates the dev set
# (../shared/vision-devset): BPCER overall and per challenge, APCER per attack kind, match figures, one table.
evaluate: models
ifeq ($(strip $(ARGS)),)
	$(VISION_PATH) $(PY) -m vision.evaluate
else
	$(VISION_PATH) $(PY) -m vision.evaluate $(ARGS)
endif

# Measure the dev set's liveness sequences (cached in .cache/vision) and place every liveness threshold
# by the rule in vision/calibration.py; writes layers/vision/vision/calibrated.json (committed).
.PHONY: calibrate
calibrate: models
	$(VISION_PATH) $(PY) -m vision.calibration

bench-vision: models
	$(VISION_PATH) $(PY) layers/vision/fetch_photos.py
	$(VISION_PATH) $(PY) bench/vision_bench.py
# --- end vision ---

# The duplicate-face search (issue 22) on 1,000,000 synthetic templates from the dev faces' real ones:
# index build, query per face, recall against brute force, peak memory (docs/duplicate-faces.md).
.PHONY: bench-duplicate-faces
bench-duplicate-faces: models
	$(VISION_PATH) $(PY) bench/duplicate_faces_bench.py

# --- admin (admin_dash) ---
.PHONY: browser system-packages admin admin-image test-h5

# Headless Chromium, its driver and a CJK font for the admin's and the H5's browser tests: the Debian
# packages of requirements/debian.txt that are not installed yet (needs root; CI and these machines run
# as root). The machine's Node.js and its npm are kept: the H5 tests fetch axe-core with that npm.
browser: system-packages
system-packages:
	@tools/system_packages.sh

# The mobile web client's browser journeys alone (a stack of their own on free ports; screenshots
# and the axe report in test-output/h5/).
test-h5: $(STAMP) browser models
	$(PY) -m pytest tests/h5 -q

# The admin alone, beside a running `make run` (which already starts it on PC_ADMIN_PORT, 8050).
admin: $(STAMP)
	$(PY) -m gunicorn --bind 127.0.0.1:$${PC_ADMIN_PORT:-8050} --worker-class gthread --threads 8 --timeout 120 admin_dash.wsgi:application
# The admin's Lambda image (infra/admin.Dockerfile); `make deploy` pushes it to ECR and passes its
# URI as AdminImageUri (docs/operations.md, "The agency admin").
admin-image:
	docker build --platform linux/amd64 -f infra/admin.Dockerfile -t $(ADMIN_REPO):$(VISION_TAG) .
# --- end admin ---

# --- infra (infra/, docs/) ---
# One stack for a deployed stage: Chalice's API function + infra/template.py merged into
# build/deploy/sam.json (+ deployment.zip). The vision function is a container image.
STAGE         ?= prod
AWS_REGION    ?= cn-northwest-1
DEPLOY_DIR    := build/deploy
STACK         ?= pensioncert-$(STAGE)
VISION_REPO   ?= pensioncert-vision
ADMIN_REPO    ?= pensioncert-admin
VISION_TAG    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo latest)
.PHONY: package-all lint-infra checkov-env vision-image deploy

package-all: $(STAMP)
	$(PY) -m infra.package --stage $(STAGE) $(DEPLOY_DIR)

checkov-env:
	$(PY) -m infra.checkov_env

# What the infrastructure tests also run: cfn-lint and checkov on the synthesized template.
lint-infra: package-all
	$(VENV)/bin/cfn-lint --regions $(AWS_REGION) -- $(DEPLOY_DIR)/sam.json
	"$$($(PY) -m infra.checkov_env)" -f $(DEPLOY_DIR)/sam.json --framework cloudformation --skip-download --compact --quiet

# Needs a Docker engine (none runs on the build machine this was written on).
vision-image: models
	docker build --platform linux/amd64 -f infra/vision.Dockerfile -t $(VISION_REPO):$(VISION_TAG) .

# make deploy STAGE=prod DEPLOY_BUCKET=<an S3 bucket for artefacts, same region> PARAMS='<the admin's
# AdminAllowedCidrs, AdminDomainName, AdminCertificateArn, ...>': both images (vision, admin) are built,
# pushed to ECR (repositories made on first use; tags are immutable, so a commit already pushed is
# not pushed again) and passed to the stack by their commit tag.
# Needs an AWS account (aws-cn credentials), the AWS CLI and Docker. docs/operations.md explains.
deploy: package-all vision-image admin-image
	@test -n "$(DEPLOY_BUCKET)" || (echo "set DEPLOY_BUCKET=<artefact bucket in $(AWS_REGION)>"; exit 1)
	$(eval ACCOUNT := $(shell aws sts get-caller-identity --query Account --output text))
	$(eval REGISTRY := $(ACCOUNT).dkr.ecr.$(AWS_REGION).amazonaws.com$(if $(filter cn-%,$(AWS_REGION)),.cn,))
	@test -n "$(ACCOUNT)" || (echo "no AWS account: configure the AWS CLI's credentials for $(AWS_REGION)"; exit 1)
	aws ecr get-login-password --region $(AWS_REGION) | docker login --username AWS --password-stdin $(REGISTRY)
	for repo in $(VISION_REPO) $(ADMIN_REPO); do \
	  aws ecr describe-repositories --region $(AWS_REGION) --repository-names $$repo >/dev/null 2>&1 || \
	    aws ecr create-repository --region $(AWS_REGION) --repository-name $$repo \
	      --image-scanning-configuration scanOnPush=true --image-tag-mutability IMMUTABLE || exit 1; \
	  aws ecr describe-images --region $(AWS_REGION) --repository-name $$repo \
	    --image-ids imageTag=$(VISION_TAG) >/dev/null 2>&1 || { \
	    docker tag $$repo:$(VISION_TAG) $(REGISTRY)/$$repo:$(VISION_TAG) && \
	    docker push $(REGISTRY)/$$repo:$(VISION_TAG) || exit 1; }; \
	done
	for artefact in matching_job.py matching_lib.zip; do \
	  aws s3 cp --region $(AWS_REGION) $(DEPLOY_DIR)/$$artefact s3://$(DEPLOY_BUCKET)/$(STACK)/matching/$$artefact || exit 1; \
	done
	aws cloudformation package --region $(AWS_REGION) --template-file $(DEPLOY_DIR)/sam.json \
	  --s3-bucket $(DEPLOY_BUCKET) --s3-prefix $(STACK) --output-template-file $(DEPLOY_DIR)/packaged.yaml
	aws cloudformation deploy --region $(AWS_REGION) --template-file $(DEPLOY_DIR)/packaged.yaml \
	  --stack-name $(STACK) --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
	  --parameter-overrides VisionImageUri=$(REGISTRY)/$(VISION_REPO):$(VISION_TAG) \
	    AdminImageUri=$(REGISTRY)/$(ADMIN_REPO):$(VISION_TAG) MatchingArtifactBucket=$(DEPLOY_BUCKET) \
	    MatchingScriptKey=$(STACK)/matching/matching_job.py MatchingLibraryKey=$(STACK)/matching/matching_lib.zip $(PARAMS)
# --- end infra ---

# --- reliability (fuzz, load) ---
.PHONY: fuzz bench-load
# Schemathesis against openapi/openapi.yaml and a stack of its own, every operation, bounded:
# make fuzz [FUZZ_EXAMPLES=100] [FUZZ_TIME=300]. `make test` runs a 40-second version.
FUZZ_EXAMPLES ?= 100
FUZZ_TIME ?= 300
fuzz: $(STAMP)
	$(PY) tests/reliability/fuzz.py --max-examples $(FUZZ_EXAMPLES) --max-time $(FUZZ_TIME)

# Bounded load on loopback (login, card login, status, real-frame certifications):
# make bench-load [LOAD_USERS=8] [LOAD_SECONDS=60]
LOAD_USERS ?= 8
LOAD_SECONDS ?= 60
bench-load: $(STAMP)
	$(VISION_PATH) $(PY) bench/load.py --users $(LOAD_USERS) --duration $(LOAD_SECONDS)
# --- end reliability ---
