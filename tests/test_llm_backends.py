"""The LLM path against our stand-in Ollama (official client), an OpenAI-compatible stand-in, and,
when OLLAMA_HOST answers, a real Ollama."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import httpx
import pytest
from werkzeug.serving import make_server

from app import create_app
from mediassist.answering.composer import NO_CLEAR_ANSWER
from modelfile import read_modelfile
from settings import Settings
from tests.conftest import ask, free_port, parse_sse, upload
from tests.test_api import SUMMARY


@pytest.fixture
def uploaded(ollama_client):
    assert upload(ollama_client, "pneumonia.txt", SUMMARY.encode()).status_code == 201
    return ollama_client


def test_context_reaches_the_model_in_the_user_turn(uploaded, ollama_stub):
    ollama_stub.reply = "Take azithromycin 250 mg once daily for 3 more days."
    body = ask(uploaded, "What pills do I take?").get_json()
    assert body["answer"].startswith(ollama_stub.reply)
    # what the summary says and the model left out follows, word for word
    assert "also says" in body["answer"] and "Albuterol inhaler 2 puffs every 6 hours" in body["answer"]
    assert body["backend"] == "ollama" and body["model"] == "mediassist" and body["found"] is True
    assert body["sources"] and body["sources"][0]["section"] == "Discharge Medications"
    chat = ollama_stub.requests_to("/api/chat")[-1]
    assert chat["model"] == "mediassist"
    assert [m["role"] for m in chat["messages"]] == ["user"], "a system message would replace the Modelfile SYSTEM"
    turn = chat["messages"][0]["content"]
    assert "Azithromycin 250 mg by mouth once daily" in turn and "What pills do I take?" in turn
    assert "does not mention this" in turn  # the refusal wording the model is asked to use
    assert chat["options"]["temperature"] == 0.05 and chat["options"]["num_predict"] == 300


def test_checked_sentences_stream_to_the_client_one_by_one(uploaded, ollama_stub):
    ollama_stub.reply = ("Take azithromycin 250 mg once daily for 3 more days. "
                         "Use the albuterol inhaler 2 puffs every 6 hours as needed for wheezing.")
    events = parse_sse(ask(uploaded, "What pills do I take?", stream=True).get_data(as_text=True))
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "sources" and kinds[-1] == "done"
    tokens = [data["text"] for kind, data in events if kind == "token"]
    assert "".join(tokens[:2]) == ollama_stub.reply and "".join(tokens).strip() == events[-1][1]["answer"]
    assert events[-1][1]["backend"] == "ollama" and events[-1][1]["checked"]["left_out"] == 0


def test_tokens_arrive_before_the_answer_is_finished(ollama_app, ollama_stub):
    client = ollama_app.test_client()
    upload(client, "pneumonia.txt", SUMMARY.encode())
    ollama_stub.reply = "one two three four five six"
    ollama_stub.token_delay_s = 0.15
    response = client.post("/api/query", json={"question": "pills?", "stream": True}, buffered=False)
    chunks = response.response
    first_events = next(iter(chunks)) + next(iter(chunks))
    assert b"event: sources" in first_events or b"event: token" in first_events
    rest = b"".join(chunks)
    assert b"event: done" in rest


def test_the_model_saying_the_summary_is_silent_means_found_false(uploaded, ollama_stub):
    ollama_stub.reply = "Your discharge summary does not mention this. Please ask your care team."
    body = ask(uploaded, "Can I drink alcohol?").get_json()   # the answer engine finds no clear answer either
    assert body["found"] is False and (body["sources"] == [] or NO_CLEAR_ANSWER in body["answer"])


def test_an_answer_the_summary_does_not_support_is_never_shown(uploaded, ollama_stub):
    ollama_stub.reply = "Yes, you can drink two glasses of red wine every evening with dinner."
    events = parse_sse(ask(uploaded, "Can I drink alcohol?", stream=True).get_data(as_text=True))
    streamed = "".join(d["text"] for k, d in events if k == "token")
    assert "glasses of red wine" not in streamed
    assert "does not mention" in streamed or NO_CLEAR_ANSWER in streamed   # at most the summary's closest lines
    assert events[-1][1]["found"] is False


def test_a_grounded_answer_is_kept_when_the_summary_seems_silent(uploaded, ollama_stub):
    ollama_stub.reply = "Your summary lists albuterol inhaler 2 puffs every 6 hours as needed for wheezing."
    body = ask(uploaded, "What do I use when I am wheezy?").get_json()
    assert body["found"] is True and "albuterol" in body["answer"]


def test_an_invented_dose_never_reaches_the_patient(uploaded, ollama_stub):
    ollama_stub.reply = "Take azithromycin 500 mcg once daily."
    body = ask(uploaded, "What is the dose of azithromycin?").get_json()
    assert "500" not in body["answer"] and "Azithromycin 250 mg" in body["answer"]   # the summary, quoted
    assert body["backend"] == "extractive" and "could not be confirmed" in body["notice"]
    ollama_stub.reply = "Azithromycin is 250 mg once daily. Keep taking it for 3 weeks."
    body = ask(uploaded, "What is the dose of azithromycin?").get_json()
    assert "250 mg once daily" in body["answer"] and "3 weeks" not in body["answer"]
    assert "left out" in body["answer"] and body["checked"] == {"kept": 1, "left_out": 1, "refusals": 0,
                                                                 "quoted_instead": False}


def test_a_refusal_with_the_answer_in_it_is_an_answer(uploaded, ollama_stub):
    ollama_stub.reply = ("Your summary does not mention how long to use the inhaler. "
                         "It says albuterol inhaler 2 puffs every 6 hours as needed for wheezing.")
    body = ask(uploaded, "How long do I use the inhaler?").get_json()
    assert body["found"] is True and "2 puffs every 6 hours" in body["answer"]
    assert "does not mention" not in body["answer"]


def test_a_model_that_misses_what_the_summary_says_is_overruled_by_the_quotes(uploaded, ollama_stub):
    ollama_stub.reply = "Your discharge summary does not mention this."
    body = ask(uploaded, "What pills do I take?").get_json()
    assert body["found"] is True and "Azithromycin 250 mg by mouth" in body["answer"]
    assert "did not find this" in body["notice"] and body["backend"] == "extractive"


def test_missing_model_falls_back_to_extractive_and_says_so(uploaded, ollama_stub):
    ollama_stub.models = {"llama3.2:latest"}
    body = ask(uploaded, "What pills do I take?").get_json()
    assert body["backend"] == "extractive" and body["model"] is None
    assert "Azithromycin 250 mg" in body["answer"] and "not available right now" in body["answer"]
    assert "make model" in body["details"] and "make model" not in body["answer"]   # the fix is for whoever runs it
    health = uploaded.get("/health").get_json()["llm"]
    assert health["backend"] == "ollama" and health["fallback"] is True and "not installed" in health["message"]


def test_server_down_falls_back_to_extractive(tmp_path):
    client = create_app(Settings(data_dir=tmp_path, llm_backend="ollama",
                                 ollama_host=f"http://127.0.0.1:{free_port()}", llm_timeout=3)).test_client()
    upload(client, "pneumonia.txt", SUMMARY.encode())
    body = ask(client, "When is my follow-up?").get_json()
    assert body["backend"] == "extractive" and "Dr. Rivera" in body["answer"]
    assert "not reachable" in body["details"] and "http://" not in body["answer"]
    events = parse_sse(ask(client, "When is my follow-up?", stream=True).get_data(as_text=True))
    assert events[-1][0] == "done" and events[-1][1]["backend"] == "extractive"
    health = client.get("/health").get_json()["llm"]
    assert health["reachable"] is False and health["fallback"] is True


def test_dropped_stream_keeps_the_checked_sentences_and_sends_an_error(uploaded, ollama_stub):
    ollama_stub.reply = "Take azithromycin 250 mg once daily. Use albuterol when you wheeze and rest a lot."
    ollama_stub.drop_after_tokens = 8
    events = parse_sse(ask(uploaded, "What pills do I take?", stream=True).get_data(as_text=True))
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "sources" and kinds[-1] == "error" and kinds.count("token") == 1
    assert events[1][1]["text"] == "Take azithromycin 250 mg once daily. "
    assert "incomplete" in events[-1][1]["error"]


def test_dropped_stream_without_streaming_gives_the_extractive_answer(uploaded, ollama_stub):
    ollama_stub.drop_after_tokens = 2
    body = ask(uploaded, "What pills do I take?").get_json()
    assert body["backend"] == "extractive" and "Azithromycin 250 mg" in body["answer"]
    assert "incomplete" in body["notice"]


def test_server_error_falls_back(uploaded, ollama_stub):
    ollama_stub.fail_status = 500
    body = ask(uploaded, "What pills do I take?").get_json()
    assert body["backend"] == "extractive" and body["found"] is True


def test_slow_model_times_out_into_the_fallback(tmp_path, ollama_stub):
    client = create_app(Settings(data_dir=tmp_path, llm_backend="ollama", ollama_host=ollama_stub.url,
                                 llm_timeout=0.5)).test_client()
    upload(client, "pneumonia.txt", SUMMARY.encode())
    ollama_stub.delay_s = 3
    body = ask(client, "What pills do I take?").get_json()
    assert body["backend"] == "extractive" and "Azithromycin" in body["answer"]


def test_health_with_a_working_model(uploaded):
    health = uploaded.get("/health").get_json()["llm"]
    assert health == {"backend": "ollama", "model": "mediassist", "reachable": True, "fallback": False, "message": ""}


def test_make_model_creates_mediassist_from_the_modelfile(ollama_app, ollama_stub):
    result = ollama_app.test_cli_runner().invoke(args=["create-model", "--modelfile", "Modelfile"])
    assert result.exit_code == 0, result.output
    created = ollama_stub.created["mediassist:latest"]
    assert created["from"] == "llama3.2"
    assert "discharge summary" in created["system"] and "does not mention this" in created["system"]
    assert created["parameters"]["num_ctx"] >= 4096 and created["parameters"]["temperature"] <= 0.3


def test_create_model_uploads_a_local_base_and_lora_adapter_as_blobs(ollama_app, ollama_stub, tmp_path):
    """A Modelfile from training/finetune_llm.py: FROM a local GGUF, ADAPTER a safetensors folder."""
    import hashlib
    (tmp_path / "base.gguf").write_bytes(b"GGUF base weights")
    adapter = tmp_path / "lora"
    adapter.mkdir()
    (adapter / "adapter_model.safetensors").write_bytes(b"lora weights")
    (adapter / "adapter_config.json").write_text('{"r": 8}')
    (adapter / "training_report.json").write_text("{}")   # ours, not the server's
    (adapter / "Modelfile").write_text(f'FROM {tmp_path / "base.gguf"}\nADAPTER .\nSYSTEM """Be brief."""\n')
    result = ollama_app.test_cli_runner().invoke(
        args=["create-model", "--modelfile", str(adapter / "Modelfile"), "--name", "mediassist-lora"])
    assert result.exit_code == 0, result.output
    created = ollama_stub.created["mediassist-lora:latest"]
    digest = lambda data: "sha256:" + hashlib.sha256(data).hexdigest()  # noqa: E731
    assert "from" not in created and created["files"] == {"base.gguf": digest(b"GGUF base weights")}
    assert created["adapters"] == {"adapter_model.safetensors": digest(b"lora weights"),
                                   "adapter_config.json": digest(b'{"r": 8}')}
    assert created["system"] == "Be brief."


def test_create_model_names_a_missing_adapter(ollama_app, tmp_path):
    (tmp_path / "Modelfile").write_text("FROM llama3.2\nADAPTER ./nowhere\n")
    result = ollama_app.test_cli_runner().invoke(args=["create-model", "--modelfile", str(tmp_path / "Modelfile")])
    assert result.exit_code != 0 and "ADAPTER ./nowhere" in result.output


def test_a_few_shot_modelfile_sends_its_example_turns(ollama_app, ollama_stub, tmp_path):
    from modelfile import read_modelfile, render_modelfile
    spec = read_modelfile("Modelfile")
    spec.messages = [{"role": "user", "content": "Excerpt:\nAspirin 81 mg daily.\n\nQuestion: aspirin dose?"},
                     {"role": "assistant", "content": 'The summary says "Aspirin 81 mg daily".'}]
    (tmp_path / "Modelfile").write_text(render_modelfile(spec, "few-shot"))
    result = ollama_app.test_cli_runner().invoke(args=["create-model", "--modelfile", str(tmp_path / "Modelfile")])
    assert result.exit_code == 0, result.output
    created = ollama_stub.created["mediassist:latest"]
    assert created["messages"] == spec.messages and created["system"] == spec.system


def test_make_model_reports_a_missing_server(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, llm_backend="ollama", ollama_host=f"http://127.0.0.1:{free_port()}"))
    result = app.test_cli_runner().invoke(args=["create-model"])
    assert result.exit_code != 0 and "Could not create" in result.output


# ---------------------------------------------------------------- OpenAI-compatible servers

class OpenAIStandIn:
    """Just enough of an OpenAI-compatible server (streamed /v1/chat/completions, /v1/models) and of llama.cpp's
    extras (/props, /tokenize: one token per word here) to check what the app sends and how it copes."""

    def __init__(self, reply: str, served: str = "served-model", window: int | None = None):
        self.reply, self.served, self.window, self.requests = reply, served, window, []
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wsgi(self, environ, start_response):
        path = environ["PATH_INFO"]
        body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
        if path.endswith("/models"):
            return self._json(start_response, {"data": [{"id": self.served}]})
        if path == "/props" and self.window:
            return self._json(start_response, {"default_generation_settings": {"n_ctx": self.window}})
        if path == "/tokenize" and self.window:
            return self._json(start_response, {"tokens": list(range(len(body["content"].split())))})
        if not path.endswith("/chat/completions"):
            return self._json(start_response, {"error": "not found"}, "404 Not Found")
        self.requests.append((dict(environ), body))
        prompt_words = sum(len(m["content"].split()) for m in body["messages"])
        if self.window and prompt_words + body["max_tokens"] > self.window:
            return self._json(start_response, {"error": {"code": 400, "type": "exceed_context_size_error",
                                                         "message": "request exceeds the available context size"}},
                              "400 Bad Request")
        start_response("200 OK", [("Content-Type", "text/event-stream")])
        words = self.reply.split(" ") if self.reply else []
        deltas = [{"choices": [{"delta": {"content": w + (" " if i < len(words) - 1 else "")}}]}
                  for i, w in enumerate(words)]
        return [f"data: {json.dumps(d)}\n\n".encode() for d in deltas] + [b"data: [DONE]\n\n"]

    @staticmethod
    def _json(start_response, value, status="200 OK"):
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(value).encode()]


@pytest.fixture
def openai_stand_in():
    stand_in = OpenAIStandIn("Your follow-up is with Dr. Rivera on March 13, 2026.")
    yield stand_in
    stand_in.server.shutdown()


def openai_client(tmp_path, stand_in, **settings):
    options = {"llm_model": "served-model", "llm_max_tokens": 200, **settings}
    client = create_app(Settings(data_dir=tmp_path, llm_backend="openai", llm_api_url=stand_in.url,
                                 **options)).test_client()
    upload(client, "pneumonia.txt", SUMMARY.encode())
    return client


def test_openai_compatible_backend_streams_with_the_key_and_the_modelfile_system(tmp_path, openai_stand_in):
    client = openai_client(tmp_path, openai_stand_in, llm_api_key="secret-key")
    events = parse_sse(ask(client, "When is my follow-up?", stream=True).get_data(as_text=True))
    # the model's supported words stream unchanged (the summary's other follow-up lines may follow them, quoted)
    assert "".join(d["text"] for k, d in events if k == "token").startswith(openai_stand_in.reply)
    assert events[-1][1]["backend"] == "openai" and events[-1][1]["model"] == "served-model"
    environ, body = openai_stand_in.requests[-1]
    assert environ["HTTP_AUTHORIZATION"] == "Bearer secret-key"
    assert body["max_tokens"] == 200 and [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][0]["content"] == read_modelfile(Path(__file__).parent.parent / "Modelfile").system
    assert "Dr. Rivera" in body["messages"][1]["content"]


def test_openai_health_says_when_the_model_is_not_served(tmp_path, openai_stand_in):
    client = openai_client(tmp_path, openai_stand_in, llm_model="mediassist")
    health = client.get("/health").get_json()["llm"]
    assert health["fallback"] is True and "served-model" in health["message"]
    assert openai_client(tmp_path / "b", openai_stand_in).get("/health").get_json()["llm"]["fallback"] is False


def test_an_empty_answer_falls_back_to_the_quotes_with_a_notice(tmp_path, openai_stand_in):
    openai_stand_in.reply = ""
    body = ask(openai_client(tmp_path, openai_stand_in), "When is my follow-up?").get_json()
    assert body["backend"] == "extractive" and "empty answer" in body["details"] and "Dr. Rivera" in body["answer"]


def test_the_prompt_is_trimmed_to_the_servers_context_window(tmp_path, openai_stand_in):
    # words stand for tokens here: the system prompt and instructions (~350 words, 48 for the chat template),
    # room for about 60 words of the summary, and the 100 of the answer
    openai_stand_in.window = 560
    client = openai_client(tmp_path, openai_stand_in, llm_max_tokens=100)
    body = ask(client, "When is my follow-up?").get_json()
    assert body["backend"] == "openai" and "Dr. Rivera" in body["answer"]
    sent = openai_stand_in.requests[-1][1]
    assert sum(len(m["content"].split()) for m in sent["messages"]) + 100 <= 560
    assert "Lakeside Clinic" in sent["messages"][1]["content"]   # the passage that answers is the one kept
    assert "intravenous antibiotics" not in sent["messages"][1]["content"]   # the hospital course did not fit


def test_a_long_conversation_is_cut_to_the_window_newest_turn_kept(tmp_path, openai_stand_in):
    openai_stand_in.window = 900
    client = openai_client(tmp_path, openai_stand_in, llm_max_tokens=100)
    history = [{"question": f"Question {n} about my stay?", "answer": "A long answer. " * 300} for n in range(3)]
    history.append({"question": "What dose of azithromycin do I take?", "answer": "250 mg once daily. " * 200})
    body = ask(client, "and how long do I take it?", history=history).get_json()
    assert body["backend"] == "openai"
    sent = openai_stand_in.requests[-1][1]["messages"]
    assert sum(len(m["content"].split()) for m in sent) + 100 <= 900
    assert sent[1]["content"].endswith("What dose of azithromycin do I take?")   # the turn the follow-up refers to
    assert sent[2]["content"].startswith("250 mg once daily.") and sent[2]["content"].endswith("…")
    assert not any("Question 0" in m["content"] for m in sent)


def test_a_prompt_the_server_refuses_as_too_long_falls_back_with_a_notice(tmp_path, openai_stand_in):
    openai_stand_in.window = 200
    client = openai_client(tmp_path, openai_stand_in, llm_max_tokens=150)
    body = ask(client, "When is my follow-up?").get_json()
    assert body["backend"] == "extractive" and "too long" in body["details"] and "Dr. Rivera" in body["answer"]


def test_openai_backend_down_falls_back(tmp_path):
    client = create_app(Settings(data_dir=tmp_path, llm_backend="openai",
                                 llm_api_url=f"http://127.0.0.1:{free_port()}/v1")).test_client()
    upload(client, "pneumonia.txt", SUMMARY.encode())
    body = ask(client, "What pills do I take?").get_json()
    assert body["backend"] == "extractive" and "Azithromycin" in body["answer"]


# ---------------------------------------------------------------- a real Ollama, when there is one

def _real_ollama() -> str | None:
    host = os.environ.get("OLLAMA_HOST")
    if not host:
        return None
    host = host if host.startswith("http") else f"http://{host}"
    try:
        httpx.get(f"{host}/api/version", timeout=2).raise_for_status()
        return host
    except httpx.HTTPError:
        return None


@pytest.mark.ollama
@pytest.mark.skipif(_real_ollama() is None, reason="no Ollama answering at OLLAMA_HOST")
def test_real_ollama_answers_from_the_summary(tmp_path):
    import ollama
    host = _real_ollama()
    models = {m.model for m in ollama.Client(host=host).list().models}
    model = next((m for m in models if m.startswith("mediassist")), None) or next(
        (m for m in models if m.startswith("llama3.2")), None)
    if model is None:
        pytest.skip("neither mediassist nor llama3.2 is pulled on that Ollama")
    client = create_app(Settings(data_dir=tmp_path, llm_backend="ollama", ollama_host=host, llm_model=model,
                                 llm_timeout=300)).test_client()
    upload(client, "pneumonia.txt", SUMMARY.encode())
    body = ask(client, "What is the dose of azithromycin?").get_json()
    assert body["backend"] == "ollama" and "250" in body["answer"]


# ------------------------------------------------------------------ conversation history on both LLM backends

EARLIER = [{"question": "What dose of azithromycin do I take?",
            "answer": "Azithromycin 250 mg by mouth once daily for 3 more days."}]


def test_earlier_turns_reach_ollama_after_the_excerpts_and_before_the_new_question(uploaded, ollama_stub):
    ollama_stub.reply = "Take it for 3 more days."
    ask(uploaded, "and how long do I take it?", history=EARLIER)
    messages = ollama_stub.requests_to("/api/chat")[-1]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    opening = messages[0]["content"]
    assert "<discharge_summary_excerpts>" in opening and opening.endswith(EARLIER[0]["question"])
    assert messages[1]["content"] == EARLIER[0]["answer"]
    assert "how long do I take it" in messages[2]["content"]
    assert "<discharge_summary_excerpts>" not in messages[2]["content"]


def test_a_follow_up_begins_with_the_first_questions_whole_prompt(uploaded, ollama_stub):
    """The server's prompt cache can only reuse an identical prefix: the first question's chat must open the
    follow-up's."""
    ollama_stub.reply = "Azithromycin 250 mg by mouth once daily for 3 more days."
    ask(uploaded, EARLIER[0]["question"])
    first = ollama_stub.requests_to("/api/chat")[-1]["messages"]
    ask(uploaded, "and how long do I take it?", history=EARLIER)
    follow_up = ollama_stub.requests_to("/api/chat")[-1]["messages"]
    assert follow_up[:len(first)] == first and len(follow_up) == len(first) + 2


def test_earlier_turns_reach_an_openai_server_between_the_system_and_the_latest_turn(tmp_path, openai_stand_in):
    client = openai_client(tmp_path, openai_stand_in)
    ask(client, "and how long do I take it?", history=EARLIER)
    messages = openai_stand_in.requests[-1][1]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "<discharge_summary_excerpts>" in messages[1]["content"]
    assert messages[1]["content"].endswith(EARLIER[0]["question"]) and messages[2]["content"] == EARLIER[0]["answer"]
    assert "how long do I take it" in messages[3]["content"]

