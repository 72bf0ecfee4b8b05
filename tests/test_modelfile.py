"""The Modelfile we ship, and the parser `make model` uses to send it through the client."""
from pathlib import Path

import pytest

from modelfile import ModelfileError, parse_modelfile, read_modelfile

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_modelfile_builds_mediassist_on_llama32():
    spec = read_modelfile(ROOT / "Modelfile")
    assert spec.from_ == "llama3.2"
    assert spec.parameters["num_ctx"] >= 4096 and isinstance(spec.parameters["num_ctx"], int)
    assert spec.parameters["temperature"] <= 0.3
    system = spec.system.lower()
    for promise in ("only what the discharge summary says", "does not mention", "plain", "exactly",
                    "warning signs", "care team", "do not diagnose"):
        assert promise in system, promise


def test_parser_handles_multiline_system_messages_and_lists():
    spec = parse_modelfile('''# comment
FROM ./base.gguf
PARAMETER num_ctx 4096
PARAMETER temperature 0.2
PARAMETER stop "<|end|>"
PARAMETER stop "User:"
SYSTEM """Line one.
Line two."""
MESSAGE user Can I drive?
MESSAGE assistant "Your summary says no driving for 1 week."
ADAPTER ./adapter.safetensors
''')
    assert spec.from_ == "./base.gguf" and spec.system == "Line one.\nLine two."
    assert spec.parameters == {"num_ctx": 4096, "temperature": 0.2, "stop": ["<|end|>", "User:"]}
    assert spec.messages == [{"role": "user", "content": "Can I drive?"},
                             {"role": "assistant", "content": "Your summary says no driving for 1 week."}]
    assert spec.adapters == ["./adapter.safetensors"]
    assert spec.create_kwargs()["from_"] == "./base.gguf"


def test_parser_rejects_a_modelfile_without_from():
    with pytest.raises(ModelfileError):
        parse_modelfile('SYSTEM "hi"')


def test_a_written_modelfile_reads_back_the_same():
    from modelfile import render_modelfile
    spec = read_modelfile(ROOT / "Modelfile")
    spec.adapters = ["."]
    spec.messages = [{"role": "user", "content": 'Line one\nwith "quotes"'}, {"role": "assistant", "content": "No."}]
    text = render_modelfile(spec, "a header\nof two lines")
    assert text.startswith("# a header\n# of two lines\nFROM llama3.2\nADAPTER .\n")
    assert parse_modelfile(text) == spec


def test_a_value_with_triple_quotes_cannot_be_written():
    from modelfile import render_modelfile
    with pytest.raises(ModelfileError):
        render_modelfile(parse_modelfile('FROM x\nSYSTEM "say \"\"\" here"'))
