"""Drive tests/ollama_stub.py with the official ``ollama`` client over real sockets.

These tests prove the stand-in is faithful enough for the app's use of the
client, and pin down which exception the client surfaces in each failure case
(see the module docstring of ollama_stub for the summary).
"""

from __future__ import annotations

import json
import threading
import time

import httpx
import ollama
import pytest

try:
    from ollama_stub import OllamaStub, split_tokens
except ImportError:  # tests/ imported as a package
    from tests.ollama_stub import OllamaStub, split_tokens

REPLY = "Take one tablet of metoprolol twice a day,\nand rest for a week. "
USER_TURN = [{"role": "user", "content": "When should I take my metoprolol?"}]


@pytest.fixture(scope="module")
def _shared_stub():
    with OllamaStub() as s:
        yield s


@pytest.fixture
def stub(_shared_stub):
    """One server for the module (fast); every test starts from the same state."""
    s = _shared_stub
    s.reset()
    s.models = {"llama3.2:latest", "mediassist:latest"}
    s.created.clear()
    s.reply = REPLY
    s.chunk_words = 1
    return s


@pytest.fixture(scope="module")
def _shared_client(_shared_stub):
    # Building an httpx client costs ~0.1 s (TLS context), so share one.
    with ollama.Client(host=_shared_stub.url, timeout=5) as c:
        yield c


@pytest.fixture
def client(stub, _shared_client):
    return _shared_client


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=5) as h:
        yield h


# -- tokenizer -------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "one", "  lead and trail  ", "a\n\nb\tc", REPLY])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_split_tokens_round_trips(text, n):
    tokens = split_tokens(text, n)
    assert "".join(tokens) == text
    assert all(tokens)


# -- simple endpoints ------------------------------------------------------

def test_root_version_and_head(stub, http):
    r = http.get(stub.url + "/")
    assert r.status_code == 200 and r.text == "Ollama is running"
    assert http.head(stub.url + "/").status_code == 200
    assert http.get(stub.url + "/api/version").json() == {"version": "0.0.0-stub"}


def test_unknown_path_and_malformed_json(stub, http):
    r = http.get(stub.url + "/api/nope")
    assert r.status_code == 404 and r.json() == {"error": "not found"}
    r = http.post(stub.url + "/api/chat", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "error" in r.json()


def test_list_tags(client, stub, http):
    names = {m.model for m in client.list().models}
    assert names == {"llama3.2:latest", "mediassist:latest"}
    raw = http.get(stub.url + "/api/tags").json()["models"][0]
    assert {"name", "model", "modified_at", "size", "digest", "details"} <= raw.keys()
    stub.models.add("extra")  # knob changes are seen by the next request
    assert "extra:latest" in {m.model for m in client.list().models}


def test_show_known_and_unknown(client):
    info = client.show("mediassist")  # no tag means :latest
    assert info.details.family == "llama"
    assert "FROM" in info.modelfile
    with pytest.raises(ollama.ResponseError) as exc:
        client.show("nosuchmodel")
    assert exc.value.status_code == 404
    assert exc.value.error == "model 'nosuchmodel' not found"


# -- chat / generate -------------------------------------------------------

def test_chat_non_stream(client, stub):
    r = client.chat(model="mediassist", messages=USER_TURN)
    assert r.done is True and r.done_reason == "stop"
    assert r.message.role == "assistant" and r.message.content == REPLY
    assert r.eval_count == len(split_tokens(REPLY))


def test_chat_stream_tokens_join_to_reply(client, stub):
    parts = list(client.chat(model="mediassist", messages=USER_TURN, stream=True))
    assert [p.done for p in parts] == [False] * (len(parts) - 1) + [True]
    assert "".join(p.message.content for p in parts) == REPLY
    assert len(parts) - 1 == len(split_tokens(REPLY))
    assert parts[-1].done_reason == "stop" and parts[-1].message.content == ""

    stub.chunk_words = 3
    parts = list(client.chat(model="mediassist", messages=USER_TURN, stream=True))
    assert len(parts) - 1 == len(split_tokens(REPLY, 3))
    assert "".join(p.message.content for p in parts) == REPLY


def test_stream_is_delivered_incrementally(client, stub):
    stub.reply = " ".join(f"w{i}" for i in range(10))
    stub.token_delay_s = 0.05  # ~0.5 s for the whole answer
    t0 = time.monotonic()
    arrivals = []
    for part in client.chat(model="mediassist", messages=USER_TURN, stream=True):
        arrivals.append(time.monotonic() - t0)
    assert len(arrivals) == 11
    assert arrivals[-1] >= 0.45
    assert arrivals[0] < 0.25, "first token must arrive long before the stream ends"
    assert arrivals[-1] - arrivals[0] >= 0.4


def test_reply_callable_and_num_predict(client, stub):
    stub.reply = lambda body: "You asked: " + body["messages"][-1]["content"]
    r = client.chat(model="mediassist", messages=USER_TURN)
    assert r.message.content == "You asked: " + USER_TURN[0]["content"]
    stub.reply = REPLY
    r = client.chat(model="mediassist", messages=USER_TURN, options={"num_predict": 3})
    assert r.done_reason == "length" and r.message.content == "".join(split_tokens(REPLY)[:3])


def test_generate_both_ways(client, stub):
    r = client.generate(model="mediassist", prompt="Summarise", system="Be brief")
    assert r.done and r.response == REPLY
    parts = list(client.generate(model="mediassist", prompt="Summarise", stream=True))
    assert "".join(p.response for p in parts) == REPLY
    assert parts[-1].done and parts[-1].done_reason == "stop"
    assert stub.requests_to("/api/generate")[0]["system"] == "Be brief"


def test_stream_defaults_to_true_on_the_wire(stub, http):
    with http.stream("POST", stub.url + "/api/chat",
                      json={"model": "mediassist", "messages": USER_TURN}) as r:
        assert r.headers["content-type"] == "application/x-ndjson"
        lines = [json.loads(line) for line in r.iter_lines() if line]
    assert "".join(x["message"]["content"] for x in lines) == REPLY
    assert lines[-1]["done"] is True


def test_empty_messages_only_load_the_model(client):
    r = client.chat(model="mediassist", messages=[])
    assert r.done and r.done_reason == "load"
    assert "mediassist:latest" in {m.model for m in client.ps().models}


# -- create / pull / delete -----------------------------------------------

def test_create_then_show_reflects_system_and_parameters(client, stub, http):
    status = client.create(model="mediassist-v2", from_="llama3.2", system="You explain discharge summaries.",
                           parameters={"temperature": 0.2, "num_ctx": 4096, "stop": ["<|eot_id|>"]})
    assert status.status == "success"
    body = stub.created["mediassist-v2:latest"]
    assert body["from"] == "llama3.2" and body["parameters"]["temperature"] == 0.2
    assert stub.has_model("mediassist-v2")

    info = client.show("mediassist-v2")
    assert 'SYSTEM """You explain discharge summaries."""' in info.modelfile
    assert "FROM llama3.2:latest" in info.modelfile
    params = dict(line.split(None, 1) for line in info.parameters.splitlines())
    assert params["temperature"] == "0.2" and params["num_ctx"] == "4096"
    assert params["stop"] == '"<|eot_id|>"'
    assert info.details.parent_model == "llama3.2:latest"
    raw = http.post(stub.url + "/api/show", json={"model": "mediassist-v2"}).json()
    assert raw["system"] == "You explain discharge summaries."

    # the new model is usable straight away
    assert client.chat(model="mediassist-v2", messages=USER_TURN).message.content == REPLY


def test_create_stream_reports_progress(client):
    parts = list(client.create(model="m3", from_="llama3.2", system="S", stream=True))
    assert parts[0].status.startswith("using existing layer")
    assert parts[-1].status == "success"


def test_create_from_unknown_base_errors(client, stub):
    with pytest.raises(ollama.ResponseError) as exc:
        client.create(model="broken", from_="no-such-base")
    assert exc.value.status_code == 404
    # streaming: error line inside a 200 stream -> status_code -1, raised on iteration
    with pytest.raises(ollama.ResponseError) as exc:
        list(client.create(model="broken", from_="no-such-base", stream=True))
    assert exc.value.status_code == -1
    assert "broken:latest" not in stub.created and not stub.has_model("broken")


def test_pull_and_delete(client, stub):
    assert client.pull("llama3.2").status == "success"
    with pytest.raises(ollama.ResponseError) as exc:
        client.pull("unknown-model")
    assert exc.value.status_code == 404
    assert client.delete("llama3.2").status == "success"
    assert not stub.has_model("llama3.2:latest")
    with pytest.raises(ollama.ResponseError) as exc:
        client.delete("llama3.2")
    assert exc.value.status_code == 404


# -- failure modes ---------------------------------------------------------

def test_missing_model_chat_is_404(client):
    with pytest.raises(ollama.ResponseError) as exc:
        client.chat(model="ghost", messages=USER_TURN)
    assert exc.value.status_code == 404
    assert exc.value.error == 'model "ghost" not found, try pulling it first'
    stream = client.chat(model="ghost", messages=USER_TURN, stream=True)  # raises lazily
    with pytest.raises(ollama.ResponseError) as exc:
        next(iter(stream))
    assert exc.value.status_code == 404


def test_fail_status_500(client, stub):
    stub.fail_status = 500
    with pytest.raises(ollama.ResponseError) as exc:
        client.chat(model="mediassist", messages=USER_TURN)
    assert exc.value.status_code == 500
    with pytest.raises(ollama.ResponseError) as exc:
        list(client.generate(model="mediassist", prompt="x", stream=True))
    assert exc.value.status_code == 500
    stub.fail_status = None
    assert client.chat(model="mediassist", messages=USER_TURN).message.content == REPLY


def test_drop_mid_stream_raises_after_first_tokens(client, stub):
    stub.drop_after_tokens = 3
    received = []
    with pytest.raises(httpx.RemoteProtocolError):
        for part in client.chat(model="mediassist", messages=USER_TURN, stream=True):
            received.append(part)
    assert len(received) == 3 and not any(p.done for p in received)
    assert "".join(p.message.content for p in received) == "".join(split_tokens(REPLY)[:3])

    # non-streaming: connection closed before any response
    with pytest.raises(httpx.RemoteProtocolError):
        client.chat(model="mediassist", messages=USER_TURN)

    stub.drop_after_tokens = None  # the same client recovers on a fresh connection
    assert client.chat(model="mediassist", messages=USER_TURN).message.content == REPLY


def test_slow_model_times_out_on_client_timeout(stub):
    stub.delay_s = 2
    c = ollama.Client(host=stub.url, timeout=0.2)
    with pytest.raises(httpx.ReadTimeout):
        c.chat(model="mediassist", messages=USER_TURN)
    c.close()


def test_requests_are_recorded(client, stub):
    client.list()
    client.chat(model="mediassist", messages=USER_TURN, options={"temperature": 0.1}, keep_alive="10m")
    paths = [p for p, _ in stub.requests]
    assert paths == ["/api/tags", "/api/chat"]
    body = stub.requests[-1][1]
    assert body["messages"][-1] == {"role": "user", "content": USER_TURN[0]["content"]}
    assert body["options"] == {"temperature": 0.1} and body["keep_alive"] == "10m"
    assert body["stream"] is False


def test_concurrent_streams(client, stub):
    stub.token_delay_s = 0.02
    results = []

    def worker():  # httpx.Client (inside ollama.Client) is safe to share between threads
        results.append("".join(p.message.content for p in
                               client.chat(model="mediassist", messages=USER_TURN, stream=True)))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [REPLY] * 4
    assert time.monotonic() - t0 < 1.0  # served in parallel


def test_stopped_server_connection_errors():
    stub = OllamaStub().start()
    c = ollama.Client(host=stub.url, timeout=2)
    assert c.chat(model="mediassist", messages=USER_TURN).done  # keep-alive connection now pooled
    stub.stop()
    # non-streaming: the client converts httpx.ConnectError into the builtin ConnectionError
    with pytest.raises(ConnectionError) as exc:
        c.chat(model="mediassist", messages=USER_TURN)
    assert "Failed to connect to Ollama" in str(exc.value)
    # streaming: the call returns a generator; the first next() raises httpx.ConnectError unwrapped
    stream = c.chat(model="mediassist", messages=USER_TURN, stream=True)
    with pytest.raises(httpx.ConnectError):
        next(iter(stream))
    c.close()


def test_stop_interrupts_an_open_stream():
    stub = OllamaStub().start()
    stub.token_delay_s = 5
    c = ollama.Client(host=stub.url, timeout=5)
    stream = iter(c.chat(model="mediassist", messages=USER_TURN, stream=True))
    assert next(stream).done is False
    t0 = time.monotonic()
    stub.stop()
    with pytest.raises(httpx.RemoteProtocolError):
        next(stream)
    assert time.monotonic() - t0 < 1.0
    c.close()
