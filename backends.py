"""LLM backends: each streams the text of an answer to one user turn.

A backend raises BackendUnavailable when it cannot start answering (server down, model missing) and
BackendInterrupted when it stops partway; the caller decides on the extractive fallback.
"""
from __future__ import annotations

import json
import time
from typing import Iterator, Protocol

import httpx
import ollama

from settings import Settings

HEALTH_TIMEOUT_S = 2.0
HEALTH_CACHE_S = 5.0


class BackendUnavailable(Exception):
    """The model could not be reached or is not installed; nothing was generated."""


class BackendInterrupted(Exception):
    """The model stopped partway through an answer."""


class Backend(Protocol):
    name: str
    model: str | None

    def stream(self, user_message: str) -> Iterator[str]: ...

    def health(self) -> dict: ...


class OllamaBackend:
    name = "ollama"

    def __init__(self, settings: Settings):
        self.model = settings.llm_model
        self.host = settings.ollama_host
        self.options = {"temperature": settings.llm_temperature, "num_predict": settings.llm_max_tokens}
        self.client = ollama.Client(host=self.host, timeout=settings.llm_timeout)
        self.probe_client = ollama.Client(host=self.host, timeout=HEALTH_TIMEOUT_S)
        self._health_cache: tuple[float, dict] | None = None

    def stream(self, user_message: str) -> Iterator[str]:
        started = False
        try:
            # No system message: it would replace the SYSTEM prompt of the mediassist Modelfile.
            parts = self.client.chat(model=self.model, messages=[{"role": "user", "content": user_message}],
                                     stream=True, options=self.options)
            for part in parts:
                text = part.message.content or ""
                if text:
                    started = True
                    yield text
        except ollama.ResponseError as error:
            if started:
                raise BackendInterrupted(f"Ollama stopped the answer: {error.error}") from error
            raise BackendUnavailable(self._explain(error)) from error
        except (ConnectionError, httpx.HTTPError) as error:
            if started:
                raise BackendInterrupted("The connection to Ollama dropped before the answer was complete.") from error
            raise BackendUnavailable(f"Ollama is not reachable at {self.host}.") from error

    def _explain(self, error: ollama.ResponseError) -> str:
        if error.status_code == 404:
            return (f"The model '{self.model}' is not installed on Ollama at {self.host}; "
                    f"create it with `make model` (or `ollama create {self.model} -f Modelfile`).")
        return f"Ollama answered with an error ({error.status_code})."

    def health(self) -> dict:
        now = time.monotonic()
        if self._health_cache and now - self._health_cache[0] < HEALTH_CACHE_S:
            return self._health_cache[1]
        status = {"backend": self.name, "model": self.model, "reachable": True, "model_available": True,
                  "message": ""}
        try:
            self.probe_client.show(self.model)
        except ollama.ResponseError as error:
            status.update(model_available=False, message=self._explain(error))
        except (ConnectionError, httpx.HTTPError):
            status.update(reachable=False, model_available=False, message=f"Ollama is not reachable at {self.host}.")
        self._health_cache = (now, status)
        return status


class OpenAICompatibleBackend:
    """Any server with an OpenAI-style /v1/chat/completions (vLLM, llama.cpp's server ...)."""
    name = "openai"

    def __init__(self, settings: Settings):
        self.model = settings.llm_model
        self.url = chat_completions_url(settings.llm_api_url or "")
        headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
        self.http = httpx.Client(headers=headers, timeout=settings.llm_timeout)
        self.body = {"model": self.model, "temperature": settings.llm_temperature,
                     "max_tokens": settings.llm_max_tokens, "stream": True}

    def stream(self, user_message: str) -> Iterator[str]:
        started = False
        body = {**self.body, "messages": [{"role": "user", "content": user_message}]}
        try:
            with self.http.stream("POST", self.url, json=body) as response:
                if response.status_code >= 400:
                    raise BackendUnavailable(f"The model server answered with an error ({response.status_code}).")
                for text in _sse_deltas(response.iter_lines()):
                    started = True
                    yield text
        except httpx.HTTPError as error:
            if started:
                raise BackendInterrupted("The model server stopped before the answer was complete.") from error
            raise BackendUnavailable(f"The model server at {self.url} is not reachable.") from error

    def health(self) -> dict:
        status = {"backend": self.name, "model": self.model, "reachable": True, "model_available": True,
                  "message": ""}
        try:
            self.http.get(self.url.rsplit("/chat/completions", 1)[0] + "/models", timeout=HEALTH_TIMEOUT_S)
        except httpx.HTTPError:
            status.update(reachable=False, model_available=False,
                          message=f"The model server at {self.url} is not reachable.")
        return status


def chat_completions_url(base: str) -> str:
    base = base.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    return base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")


def _sse_deltas(lines: Iterator[str]) -> Iterator[str]:
    for line in lines:
        if not line.startswith("data:"):
            continue
        payload = line[len("data:"):].strip()
        if payload == "[DONE]":
            return
        choices = json.loads(payload).get("choices") or [{}]
        text = (choices[0].get("delta") or {}).get("content")
        if text:
            yield text


def make_llm_backend(settings: Settings) -> Backend | None:
    """None means extractive: no LLM at all."""
    if settings.llm_backend == "ollama":
        return OllamaBackend(settings)
    if settings.llm_backend == "openai":
        return OpenAICompatibleBackend(settings)
    return None
