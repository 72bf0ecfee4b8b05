"""LLM backends: each streams the text of the answer to a chat (prompting.conversation builds it).

A backend raises BackendUnavailable when it cannot start answering (server down, model missing, prompt too
long, an empty answer) and BackendInterrupted when it stops partway; the caller decides on the extractive
fallback. Each also says how large its context window is and, where the server can, counts tokens exactly.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Iterator, Protocol, Sequence

import httpx
import ollama

from modelfile import read_modelfile
from settings import Settings

HEALTH_TIMEOUT_S = 2.0
HEALTH_CACHE_S = 5.0
MODELFILE = Path(__file__).parent / "Modelfile"
EMPTY_ANSWER = "The AI model returned an empty answer."


class BackendUnavailable(Exception):
    """The model could not be reached or is not installed; nothing was generated."""


class BackendInterrupted(Exception):
    """The model stopped partway through an answer."""


class Backend(Protocol):
    name: str
    model: str | None
    system: str | None   # the system prompt the backend sends itself (None: the model has its own, as in Ollama)

    def stream(self, messages: Sequence[dict]) -> Iterator[str]: ...

    def health(self) -> dict: ...

    def context_window(self) -> int | None: ...

    def count_tokens(self, text: str) -> int | None: ...


class OllamaBackend:
    name = "ollama"
    system = None   # the mediassist Modelfile's SYSTEM is part of the model; a client one would replace it

    def __init__(self, settings: Settings):
        self.model = settings.llm_model
        self.host = settings.ollama_host
        self.options = {"temperature": settings.llm_temperature, "num_predict": settings.llm_max_tokens}
        self.client = ollama.Client(host=self.host, timeout=settings.llm_timeout)
        self.probe_client = ollama.Client(host=self.host, timeout=HEALTH_TIMEOUT_S)
        self._health_cache: tuple[float, dict] | None = None
        self._window_cache: tuple[float, int | None] | None = None

    def stream(self, messages: Sequence[dict]) -> Iterator[str]:
        started = False
        try:
            # No system message: it would replace the SYSTEM prompt of the mediassist Modelfile.
            parts = self.client.chat(model=self.model, messages=list(messages),
                                     stream=True, options=self.options)
            for part in parts:
                text = part.message.content or ""
                if text:
                    started = True
                    yield text
            if not started:
                raise BackendUnavailable(EMPTY_ANSWER)
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

    def context_window(self) -> int | None:
        """num_ctx of the model (the mediassist Modelfile sets it); None when Ollama cannot say."""
        now = time.monotonic()
        if self._window_cache and now - self._window_cache[0] < HEALTH_CACHE_S:
            return self._window_cache[1]
        try:
            parameters = self.probe_client.show(self.model).parameters or ""
        except (ollama.ResponseError, ConnectionError, httpx.HTTPError):
            return None
        found = re.search(r"^\s*num_ctx\s+(\d+)", parameters, re.MULTILINE)
        self._window_cache = (now, int(found.group(1)) if found else None)
        return self._window_cache[1]

    def count_tokens(self, text: str) -> int | None:
        return None   # Ollama has no tokenize endpoint: the caller estimates


class OpenAICompatibleBackend:
    """Any server with an OpenAI-style /v1/chat/completions (llama.cpp's server, vLLM ...). Such a server has
    never seen our Modelfile, so its SYSTEM prompt goes with every request as the system message."""
    name = "openai"

    def __init__(self, settings: Settings, system: str | None = None):
        self.model = settings.llm_model
        self.url = chat_completions_url(settings.llm_api_url or "")
        self.root = self.url.rsplit("/v1/", 1)[0] if "/v1/" in self.url else self.url.rsplit("/chat/", 1)[0]
        headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
        self.http = httpx.Client(headers=headers, timeout=settings.llm_timeout)
        self.system = system if system is not None else read_modelfile(MODELFILE).system
        self.body = {"model": self.model, "temperature": settings.llm_temperature,
                     "max_tokens": settings.llm_max_tokens, "stream": True}
        self._window: int | None = None
        self._can_tokenize = True

    def stream(self, messages: Sequence[dict]) -> Iterator[str]:
        started = False
        system = [{"role": "system", "content": self.system}] if self.system else []
        body = {**self.body, "messages": system + list(messages)}
        try:
            with self.http.stream("POST", self.url, json=body) as response:
                if response.status_code >= 400:
                    raise BackendUnavailable(_server_error(response))
                for text in _sse_deltas(response.iter_lines()):
                    started = True
                    yield text
            if not started:
                raise BackendUnavailable(EMPTY_ANSWER)
        except httpx.HTTPError as error:
            if started:
                raise BackendInterrupted("The model server stopped before the answer was complete.") from error
            raise BackendUnavailable(f"The model server at {self.url} is not reachable.") from error

    def health(self) -> dict:
        status = {"backend": self.name, "model": self.model, "reachable": True, "model_available": True,
                  "message": ""}
        try:
            listed = self.http.get(self.url.rsplit("/chat/completions", 1)[0] + "/models", timeout=HEALTH_TIMEOUT_S)
            served = _served_models(listed.json()) if listed.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            status.update(reachable=False, model_available=False,
                          message=f"The model server at {self.url} is not reachable.")
            return status
        if served is not None and self.model not in served:
            status.update(model_available=False,
                          message=f"The model server does not serve '{self.model}' (it serves: "
                                  f"{', '.join(sorted(served)) or 'nothing'}); set LLM_MODEL to one of those.")
        return status

    def context_window(self) -> int | None:
        """llama.cpp's server says its context size at /props; other servers do not, and the caller keeps
        to CONTEXT_TOKENS."""
        if self._window is None:
            try:
                props = self.http.get(f"{self.root}/props", timeout=HEALTH_TIMEOUT_S).json()
                settings = props.get("default_generation_settings") or {}
                self._window = int(settings.get("n_ctx") or props.get("n_ctx") or 0) or None
            except (httpx.HTTPError, ValueError, TypeError, AttributeError):
                return None
        return self._window

    def count_tokens(self, text: str) -> int | None:
        """The server's own count (llama.cpp's /tokenize); None where the server has no such route."""
        if not self._can_tokenize:
            return None
        try:
            response = self.http.post(f"{self.root}/tokenize", json={"content": text}, timeout=HEALTH_TIMEOUT_S)
            if response.status_code == 200:
                return len(response.json()["tokens"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return None
        self._can_tokenize = False
        return None


def chat_completions_url(base: str) -> str:
    base = base.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    return base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")


def _server_error(response: httpx.Response) -> str:
    response.read()
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    if isinstance(error, dict) and "context" in str(error.get("type", "")) + str(error.get("message", "")):
        return "The summary excerpts were too long for the AI model's context window."
    return f"The model server answered with an error ({response.status_code})."


def _served_models(listing: dict) -> set[str] | None:
    """Model names and aliases a /v1/models answer lists; None when it lists none we can read."""
    names = set()
    for entry in listing.get("data") or []:
        if isinstance(entry, dict):
            names.add(str(entry.get("id", "")))
            names.update(str(a) for a in entry.get("aliases") or [])
    return names or None


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


def answering_status(llm: Backend | None) -> dict:
    """What /api/health says about the answers: who writes them, and whether the quoted fallback is in use."""
    if llm is None:
        return {"backend": "extractive", "model": None, "reachable": True, "fallback": False,
                "message": "No AI model configured: answers quote the summary word for word."}
    status = llm.health()
    usable = status["reachable"] and status["model_available"]
    return {"backend": status["backend"], "model": status["model"], "reachable": status["reachable"],
            "fallback": not usable,
            "message": "" if usable else f"{status['message']} Answering by quoting the summary instead."}
