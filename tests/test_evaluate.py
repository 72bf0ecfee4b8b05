"""training/evaluate.py runs end to end on a corpus, and skips cleanly without one."""
import json
import shutil
from pathlib import Path

import pytest

from tests.test_api import SUMMARY

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def test_without_a_corpus_the_evaluation_is_skipped(tmp_path, capsys):
    from training.evaluate import main
    assert main(["--corpus", str(tmp_path / "absent"), "--out", str(tmp_path / "out")]) == 0
    assert "skipped" in capsys.readouterr().out


def test_evaluation_reports_every_metric_beside_the_baseline(tmp_path, capsys):
    from training.evaluate import main
    from training.splits import document_split
    corpus = tmp_path / "corpus" / "text"
    corpus.mkdir(parents=True)
    (corpus / "pneumonia.txt").write_text(SUMMARY)
    shutil.copy(ROOT / "tests" / "data" / "heart_failure.txt", corpus / "heart_failure.txt")
    questions = tmp_path / "questions.jsonl"
    rows = [
        {"id": "a", "document": "text/pneumonia.txt", "question": "What pills do I take?", "category": "medications",
         "answerable": True, "evidence": ["Azithromycin 250 mg by mouth once daily for 3 more days."],
         "key_facts": ["Azithromycin 250 mg"]},
        {"id": "b", "document": "text/pneumonia.txt", "question": "Can I drink alcohol?", "category": "diet",
         "answerable": False, "evidence": [], "key_facts": []},
        {"id": "c", "document": "text/heart_failure.txt", "question": "Can I drive?", "category": "activity",
         "answerable": True, "evidence": [], "key_facts": ["driving"]},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows))
    out = tmp_path / "out"
    assert main(["--corpus", str(tmp_path / "corpus"), "--questions", str(questions), "--out", str(out)]) == 0
    report = json.loads((out / "eval_results.json").read_text())
    part = document_split("text/pneumonia.txt")   # questions a and b are reported in their summary's part
    ours, naive = report["overall"][f"pipeline:extractive {part}"], report["overall"][f"naive top-3 {part}"]
    assert set(report["overall"]) == {f"{who} {split}" for who in ("pipeline:extractive", "naive top-3")
                                      for split in ("train", "test")}
    for key in ("evidence_recall", "evidence_in_sources", "context_tokens", "key_fact_recall", "rouge_l", "token_f1",
                "refusal_rate_unanswerable", "wrong_refusal_rate", "latency_p50_ms", "latency_p95_ms"):
        assert key in ours and key in naive
    assert ours["refusal_rate_unanswerable"] == 1.0 and naive["refusal_rate_unanswerable"] == 0.0
    assert ours["key_fact_recall"] == 1.0
    # answers are scored against the evidence: quoting it beats pasting whole chunks
    assert 0 < naive["rouge_l"] < ours["rouge_l"] <= 1 and 0 < naive["token_f1"] < ours["token_f1"] <= 1
    assert (out / "eval_chart.png").read_bytes().startswith(b"\x89PNG")
    assert "naive top-3" in capsys.readouterr().out


@pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus")
def test_the_question_set_matches_the_corpus():
    import subprocess
    import sys
    result = subprocess.run([sys.executable, str(ROOT / "training" / "data" / "check_eval_set.py")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_written_plan_passages_are_well_formed_and_split_by_family():
    """Every labelled drug and warning span is in its passage; both parts of the split have passages."""
    from training.evaluate_plan_sentences import DRUG_SENTENCES, FOLLOWUP_SNIPPETS, WARNING_SNIPPETS, read_passages
    from training.splits import document_split
    drugs, snippets, followups = map(read_passages, (DRUG_SENTENCES, WARNING_SNIPPETS, FOLLOWUP_SNIPPETS))
    assert all(d["name"] in row["text"] for row in drugs for d in row["drugs"])
    assert all(span in row["text"] for row in snippets for span in row["spans"])
    assert all(row["has_warning_signs"] == bool(row["spans"]) for row in snippets)
    assert all(appointment in row["text"] for row in followups for appointment in row["appointments"])
    for rows in (drugs, snippets, followups):
        assert {document_split(row["family"]) for row in rows} == {"train", "test"}


def test_the_plan_passage_evaluation_reports_both_parts(capsys):
    from training.evaluate_plan_sentences import main
    assert main([]) == 0
    out = capsys.readouterr().out
    for row in ("home drugs listed to take", "drugs not to take, listed to take",
                "has warning signs, plan shows none", "no warning signs, plan shows some",
                "follow-up appointments found", "follow-up rows that are appointments"):
        assert row in out
