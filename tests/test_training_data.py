"""training/create_training_data.py: grounded instruction data from summaries in a folder (PDF, DOCX, TXT)."""
import json
from pathlib import Path

from prompting import NOT_IN_SUMMARY
from training.create_training_data import (comparable, main, problem_with, split_by_document, validate)


def rows(folder: Path, split: str) -> list[dict]:
    return [json.loads(line) for line in (folder / f"{split}.jsonl").read_text().splitlines()]


def test_every_summary_yields_rows_split_by_document_with_counts(training_data):
    splits = {s: rows(training_data, s) for s in ("train", "validation", "test")}
    stats = json.loads((training_data / "stats.json").read_text())
    assert stats["documents"] == 5 and stats["rows"] == sum(map(len, splits.values()))
    assert {s: stats["splits"][s]["rows"] for s in splits} == {s: len(r) for s, r in splits.items()}
    documents = [{r["document"] for r in split_rows} for split_rows in splits.values()]
    assert all(documents) and not (documents[0] & documents[1] or documents[0] & documents[2]
                                   or documents[1] & documents[2])
    assert {"stroke.pdf", "stroke_letter.docx", "text/run_together.txt"} <= set().union(*documents)
    assert set(stats["by_category"]) >= {"medications", "follow_up", "diet", "activity", "warning_signs",
                                         "diagnosis"}


def test_rows_are_alpaca_shaped_and_answers_quote_their_input(training_data):
    every = [r for s in ("train", "validation", "test") for r in rows(training_data, s)]
    for row in every:
        assert all(isinstance(row[k], str) and row[k].strip() for k in ("instruction", "input", "output"))
        assert problem_with(row, 100_000) is None, row
        if row["answerable"]:
            quoted = [line[2:] for line in row["output"].splitlines() if line.startswith("- ")]
            assert quoted and all(comparable(q) in comparable(row["input"]) for q in quoted)
        else:
            assert row["output"] == NOT_IN_SUMMARY


def test_answers_carry_the_facts_and_absent_topics_say_so(training_data):
    every = {(r["document"], r["instruction"]): r
             for s in ("train", "validation", "test") for r in rows(training_data, s)}
    clopidogrel = next(r for (doc, q), r in every.items() if doc == "stroke.pdf" and "clopidogrel" in q.lower())
    assert clopidogrel["answerable"] and "75 mg" in clopidogrel["output"]
    assert any(p.startswith("Discharge Medications") for p in clopidogrel["passages"])
    absent_drug = [r for (doc, q), r in every.items() if doc == "stroke.pdf" and "warfarin" in q.lower()]
    assert all(not r["answerable"] for r in absent_drug)
    assert sum(not r["answerable"] for r in every.values()) >= 5


def test_validation_rejects_nulls_duplicates_overlong_and_ungrounded_rows():
    good = {"instruction": "Can I drive?", "input": '<excerpt n="1">\nNo driving for 4 weeks.\n</excerpt>',
            "output": "Here is what it says:\n\n- No driving for 4 weeks.", "document": "a.txt",
            "category": "activity", "answerable": True, "passages": ["Activity: No driving for 4 weeks."]}
    candidates = [good, dict(good), {**good, "instruction": None}, {**good, "instruction": "x" * 400},
                  {**good, "instruction": "Can I fly?", "output": "Here:\n\n- Fly whenever you like."},
                  {**good, "instruction": "Can I swim?", "answerable": False}, {**good, "output": "  "}]
    kept, rejected = validate(candidates, 10_000)
    assert kept == [good]
    assert rejected == {"duplicate": 1, "null instruction": 1, "too long": 1, "quotes a line not in the input": 1,
                        "answer and answerable disagree": 1, "empty field": 1}


def test_the_split_is_fixed_by_the_seed_and_near_80_10_10():
    data = [{"document": f"d{i}", "n": j} for i in range(30) for j in range(10)]
    first, again = split_by_document(data, 7), split_by_document(data, 7)
    assert first == again and split_by_document(data, 8) != first
    assert [len(first[s]) for s in ("train", "validation", "test")] == [240, 30, 30]


def test_a_folder_without_summaries_is_a_clear_error(tmp_path, capsys):
    assert main(["--corpus", str(tmp_path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "No summaries" in capsys.readouterr().err


def test_a_few_shot_modelfile_carries_short_grounded_example_turns(training_data, tmp_path, capsys):
    from modelfile import read_modelfile
    from training.build_modelfile import main as build_main
    out = tmp_path / "Modelfile.fewshot"
    assert build_main(["--data", str(training_data / "train.jsonl"), "--out", str(out), "--examples", "3"]) == 0
    spec, shipped = read_modelfile(out), read_modelfile(Path(__file__).resolve().parents[1] / "Modelfile")
    assert (spec.from_, spec.system, spec.parameters) == (shipped.from_, shipped.system, shipped.parameters)
    assert [m["role"] for m in spec.messages] == ["user", "assistant"] * 3
    assert spec.messages[1]["content"] == NOT_IN_SUMMARY
    for user, answer in zip(spec.messages[::2], spec.messages[1::2]):
        assert user["content"].rstrip().splitlines()[-1].startswith("Patient's question: ")
        assert len(user["content"]) + len(answer["content"]) <= 2500
        quoted = [line[2:] for line in answer["content"].splitlines() if line.startswith("- ")]
        assert all(comparable(q) in comparable(user["content"]) for q in quoted)
    assert "3 examples" in capsys.readouterr().out
    assert build_main(["--data", str(tmp_path / "absent.jsonl"), "--out", str(out)]) == 2
