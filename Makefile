# Seva: one entry point for setting up, training, talking to, serving and testing the assistant.
# `make shell` and `make test` do all their own set-up on a fresh machine.

SHELL := /bin/bash
# A failing command anywhere in a pipe fails the recipe (pip's output is filtered through grep).
.SHELLFLAGS := -o pipefail -c
# pip warns about every package for each configured local index folder that does not exist on this machine.
PIP_NOISE := is ignored: it is neither a file nor a directory
.DEFAULT_GOAL := help

# Rasa 3.6 runs on Python 3.10 only; find it even where pyenv does not put it on the PATH.
PYTHON ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10; do \
	$$p --version >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
RASA := $(BIN)/rasa
MODEL := models/seva.tar.gz
ACTIONS_PORT ?= 5055
RASA_PORT ?= 5005
STAFF_API_PORT ?= 5070
ENDPOINTS ?= endpoints.yml
# `make test` fails when any language cell of the held-out set is understood worse than this.
MIN_INTENT_ACCURACY ?= 0.92
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONWARNINGS := ignore::DeprecationWarning

# What the model is trained from: data, configuration, our components and the catalogue they learn from.
TRAINING_INPUTS := config.yml domain.yml seva/catalogue.py seva/matching.py seva/languages.py seva/numbering.py \
	seva/text.py seva/sound_key.py \
	$(shell find data components catalogue -type f \( -name '*.yml' -o -name '*.py' -o -name '*.json' \) 2>/dev/null)

.PHONY: help venv train shell interactive serve actions migrate validate lint test test-unit test-integration test-fullstack e2e evaluate compare crossval effort review bench profile bench-scale deploy-tools \
	bench-whatsapp bench-lifecycle bench-console browser services clean

help:
	@echo "make shell     talk to Seva in the terminal (sets everything up first)"
	@echo "make interactive  teach Seva in rasa interactive: confirm or correct each reading and action, export stories and NLU data"
	@echo "make test      run every test (sets everything up first)"
	@echo "make test-unit the fast tier: no PostgreSQL, Redis or trained model"
	@echo "make lint      ruff (lint and format), mypy and the import contracts"
	@echo "make train     retrain the model if data or config changed; served only if no cell gets worse (ACCEPT_WORSE=1)"
	@echo "make serve     Rasa with the REST channel on $(RASA_PORT), action server on $(ACTIONS_PORT), staff API on $(STAFF_API_PORT), notification worker"
	@echo "make migrate   bring the database (DATABASE_URL, SQLite under var/ by default) to the latest schema"
	@echo "make validate  check the training data and domain, and that no training example copies a held-out one"
	@echo "make evaluate  intent and complaint-type figures on the held-out sets and the realistic sets in tests/nlu/"
	@echo "make compare   the served model against the one before it: per cell before and after, what changed"
	@echo "make crossval  3-fold cross-validation of the training data, a table per cell"
	@echo "make review    the trainers' inbox: what citizens said that Seva was unsure of or got wrong, to accept into the data"
	@echo "make effort    messages a citizen sends to file, per language cell, against a running make serve"
	@echo "make bench           Seva against bare Rasa (rasa init's bot) side by side: p50, throughput, memory, webhook"
	@echo "make profile         where Seva's time goes: rasa run and the action server under pyinstrument, under load"
	@echo "make bench-scale     1 and 2 Rasa replicas behind HAProxy, a core each: throughput, order, nothing doubled or lost"
	@echo "make bench-whatsapp  webhook answer times and webhook-to-reply latency under 20 concurrent senders"
	@echo "make bench-lifecycle staff API answer times and notifications delivered per second (1 and 2 workers)"
	@echo "make bench-console   the staff console's queue and dashboard answer times with 10,000 complaints"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.10 is needed (Rasa 3.6 does not run on newer Pythons)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==24.0 2>&1 | { grep -v "$(PIP_NOISE)" || true; }
	$(BIN)/pip install --quiet -r requirements.txt 2>&1 | { grep -v "$(PIP_NOISE)" || true; }
	touch $@

train: $(MODEL)

$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	@mkdir -p models
	@echo "training the model (log: results/train.log) ..."
	@mkdir -p results
	@# Rasa's own validation of the data (about 50 s here) is `make validate`, stricter, which `make test` runs first.
	@/usr/bin/time -f "training took %e s" -o results/train.time $(RASA) train --skip-validation --fixed-model-name candidate --out models \
		> results/train.log 2>&1 || { tail -n 40 results/train.log; echo "training failed: results/train.log"; exit 1; }
	@cat results/train.time
	@# Served only if no cell gets worse by more than a point on the held-out and realistic sets (or ACCEPT_WORSE=1).
	@$(BIN)/python -m scripts.compare_models --before $@ --after models/candidate.tar.gz --promote $(if $(ACCEPT_WORSE),--accept-worse)
	@touch $@

actions: venv
	$(BIN)/python -m rasa_sdk --actions actions --port $(ACTIONS_PORT)

shell: $(MODEL)
	@mkdir -p var
	@$(BIN)/python -m rasa_sdk --actions actions --port $(ACTIONS_PORT) > var/actions.log 2>&1 & \
	pid=$$!; trap "kill $$pid 2>/dev/null" EXIT INT TERM; \
	$(RASA) shell --model $(MODEL) --endpoints $(ENDPOINTS)

# Where to export the session: README, "Teaching Seva in `rasa interactive`" (Rasa's default paths do not fit).
interactive: $(MODEL)
	@mkdir -p var
	@$(BIN)/python -m rasa_sdk --actions actions --port $(ACTIONS_PORT) > var/actions.log 2>&1 & \
	pid=$$!; trap "kill $$pid 2>/dev/null" EXIT INT TERM; \
	$(RASA) interactive --model $(MODEL) --endpoints $(ENDPOINTS) --skip-visualization

# The WhatsApp channel refuses to start without its app secret: without one, serve the REST channel alone (with
# one, the REST channel is off unless REST_CHANNEL_TOKEN is set). Rasa's HTTP API always needs a token: the given
# RASA_AUTH_TOKEN, or one generated once and kept in var/rasa-auth-token, which the notification worker uses too.
# Rasa runs in the foreground; the action server, the staff API and the notification worker stop with it.
serve: $(MODEL) migrate
	@mkdir -p var
	@if [ -n "$$WHATSAPP_APP_SECRET" ]; then credentials=credentials.yml; \
		echo "WhatsApp channel: on, webhook at /webhooks/whatsapp/webhook"; \
		echo "REST channel: $${REST_CHANNEL_TOKEN:+on, with its token}$${REST_CHANNEL_TOKEN:-off (set REST_CHANNEL_TOKEN to open it)}"; \
	else credentials=var/credentials.rest.yml; printf 'connectors.rest.BoundedRestInput:\n' > $$credentials; \
		echo "WhatsApp channel: off (WHATSAPP_APP_SECRET is not set); REST channel only"; fi; \
	if [ -z "$$RASA_AUTH_TOKEN" ]; then \
		test -s var/rasa-auth-token || (umask 077; $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(32))" > var/rasa-auth-token); \
		RASA_AUTH_TOKEN=$$(cat var/rasa-auth-token); echo "Rasa's HTTP API: token in var/rasa-auth-token"; fi; \
	export RASA_AUTH_TOKEN; \
	echo "Staff API: http://localhost:$(STAFF_API_PORT) (OpenAPI at /openapi.json); staff console at /"; \
	$(BIN)/python -m rasa_sdk --actions actions --port $(ACTIONS_PORT) & actions=$$!; \
	$(BIN)/python -m staff.api --port $(STAFF_API_PORT) & staff=$$!; \
	RASA_URL=$${RASA_URL:-http://localhost:$(RASA_PORT)} $(BIN)/python -m notifier & notifier=$$!; \
	trap "kill $$actions $$staff $$notifier 2>/dev/null" EXIT INT TERM; \
	$(RASA) run --model $(MODEL) --endpoints $(ENDPOINTS) --credentials $$credentials --enable-api \
		--port $(RASA_PORT) --auth-token="$$RASA_AUTH_TOKEN"

migrate: venv
	$(BIN)/python -m staff.cli migrate

validate: venv
	$(BIN)/python -m scripts.validate
	$(BIN)/python -m scripts.held_apart

services:
	scripts/services.sh

browser:
	scripts/browser.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Three tiers: unit (needs nothing of the machine), integration (real PostgreSQL), fullstack (the real Rasa).
test-unit: venv
	$(BIN)/python -m pytest tests/unit

test-integration: services venv
	$(BIN)/python -m pytest tests/integration

test-fullstack: services browser deploy-tools $(MODEL)
	$(BIN)/python -m pytest tests/fullstack

# The model is trained once; the full-stack and story tests and the held-out evaluation all use it.
test: services browser deploy-tools validate $(MODEL)
	$(BIN)/python -m pytest tests/unit tests/integration tests/fullstack
	$(MAKE) --no-print-directory e2e
	$(BIN)/python -m scripts.evaluate --model $(MODEL) --test-data tests/nlu --min-intent-accuracy $(MIN_INTENT_ACCURACY)

# Every tests/test_*.yml is a file of test stories (one per language cell); Rasa takes one folder of them.
e2e: $(MODEL)
	@rm -rf results/e2e-stories && mkdir -p results/e2e-stories && cp tests/test_*.yml results/e2e-stories/
	@$(RASA) test core --model $(MODEL) --stories results/e2e-stories --fail-on-prediction-errors --out results/e2e \
		> results/e2e.log 2>&1 || { tail -n 40 results/e2e.log; echo "test stories failed: results/e2e.log"; exit 1; }
	@grep -E "Evaluating [0-9]+ stories|on (CONVERSATION|ACTION) level|Correct:" results/e2e.log | sed 's/.*rasa.core.test *- *//'

evaluate: $(MODEL)
	$(BIN)/python -m scripts.evaluate --model $(MODEL) --test-data tests/nlu

# Consistency of the training data: 3-fold cross-validation, a table per cell (results/crossval/crossval.md).
crossval: venv
	$(BIN)/python -m scripts.crossval --folds 3

# The model served against the one before it (kept by the last training that replaced it).
compare: $(MODEL)
	@test -f models/previous.tar.gz || { echo "no previous model yet: it is kept when a training replaces the served one"; exit 1; }
	$(BIN)/python -m scripts.compare_models --before models/previous.tar.gz --after $(MODEL)

# The conversations of the tracker store in ENDPOINTS; decisions in DATABASE_URL's database.
review: migrate
	@$(BIN)/python -m trainer.review --endpoints $(ENDPOINTS)

effort: venv
	$(BIN)/python -m scripts.effort --url http://localhost:$(RASA_PORT)

bench: services $(MODEL)
	$(BIN)/python -m scripts.bench_rasa

profile: services $(MODEL)
	$(BIN)/python -m scripts.profile_seva

deploy-tools:
	scripts/deploy_tools.sh

bench-scale: services deploy-tools $(MODEL)
	$(BIN)/python -m scripts.scale

bench-whatsapp: services $(MODEL)
	$(BIN)/python -m scripts.bench_whatsapp

bench-lifecycle: services $(MODEL)
	$(BIN)/python -m scripts.bench_lifecycle

bench-console: services venv
	$(BIN)/python -m scripts.bench_console

clean:
	rm -rf models results var .pytest_cache
