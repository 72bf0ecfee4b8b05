# MediReportAssist: `make run` to serve the app, `make test` to run the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
THREADS ?= 8
WORKERS ?= 1
TIMEOUT ?= 300

.PHONY: run dev test model bench loadtest eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first: pinned to the CPU build so sentence-transformers does not pull a CUDA one.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(BIN)/gunicorn --worker-class gthread --workers $(WORKERS) --threads $(THREADS) \
		--timeout $(TIMEOUT) --bind $(HOST):$(PORT) "app:create_app()"

dev: $(VENV)/.installed
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT) --debug

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

model: $(VENV)/.installed
	$(BIN)/flask --app app create-model --modelfile Modelfile

# Ingest throughput vs a naive pipeline, upload latency, retrieval at 1k/10k/100k chunks, start-up and memory.
bench: $(VENV)/.installed
	$(BIN)/python bench/benchmark.py $(BENCH_ARGS)

# Concurrent patients against a real gunicorn (not part of `make test`): make loadtest LOADTEST_ARGS="--clients 5 --seconds 20"
loadtest: $(VENV)/.installed
	$(BIN)/python bench/loadtest.py $(LOADTEST_ARGS)

# Retrieval and answer quality on training/data/eval_questions.jsonl over ../shared/corpus, beside a naive baseline.
eval: $(VENV)/.installed
	$(BIN)/python training/evaluate.py

clean:
	rm -rf $(VENV) .pytest_cache
