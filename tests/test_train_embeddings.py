"""training/train_embeddings.py: in-batch-negative fine-tuning, kept only when it ranks better, usable by the app."""
import json
import random

from app import create_app
from mediassist.index.embedder import default_embedding_model
from settings import Settings
from tests.conftest import ask, upload
from training.evaluate import compare_embedding_models, main as evaluate_main
from training.train_embeddings import batches_without_repeats, fine_tune, main, training_pairs


def test_batches_never_repeat_a_question_or_passage_and_cover_every_pair():
    pairs = [(f"q{i % 7}", f"p{i % 5}") for i in range(40)] + [("q1", "p9"), ("q8", "p1")]
    pairs = list(dict.fromkeys(pairs))
    batches = batches_without_repeats(pairs, 4, random.Random(1))
    assert sorted(p for b in batches for p in b) == sorted(pairs)
    for batch in batches:
        assert len(batch) <= 4
        assert len({q for q, _ in batch}) == len(batch) == len({p for _, p in batch})


def test_pairs_are_what_the_app_embeds(training_data):
    pairs = training_pairs(training_data / "train.jsonl")
    assert pairs and len(pairs) == len(set(pairs))
    # the question carries the app's patient-word expansion; the passage its section name in front
    assert all(len(q) > 5 and ": " in p for q, p in pairs)


def test_the_model_is_kept_only_when_validation_ranking_improves(training_data, training_corpus, tmp_path, capsys):
    out = tmp_path / "embeddings"
    assert main(["--data", str(training_data), "--corpus", str(training_corpus), "--out", str(out),
                 "--epochs", "1", "--batch-size", "8"]) == 0
    printed = capsys.readouterr().out
    report = json.loads(printed[:printed.rindex("}") + 1])
    assert report["training"]["steps"] >= 1 and report["validation_before"]["questions"] > 0
    better = report["validation_after"]["mrr"] > report["validation_before"]["mrr"]
    assert report["kept"] == better == out.is_dir()
    assert ("Kept" if better else "Not kept") in printed


def test_a_fine_tuned_model_serves_the_app_and_is_compared_on_the_held_out_split(
        training_data, training_corpus, tmp_path, capsys):
    model = tmp_path / "tuned"
    pairs = training_pairs(training_data / "train.jsonl")
    result = fine_tune(default_embedding_model(), pairs, model, epochs=1, batch_size=8, lr=3e-5, seed=1)
    assert result["steps"] >= 1 and (model / "config_sentence_transformers.json").exists()

    app = create_app(Settings(data_dir=tmp_path / "app", llm_backend="extractive", embedding_model=str(model)))
    client = app.test_client()
    assert upload(client, "heart_failure.txt",
                  (training_corpus / "text" / "heart_failure.txt").read_bytes()).status_code == 201
    body = ask(client, "Which pills do I take?").get_json()
    assert body["found"] and body["sources"]

    scores = compare_embedding_models(training_data / "test.jsonl", training_corpus, ["base", str(model)])
    assert all(0 <= row["mrr"] <= 1 and row["questions"] > 0 for row in scores.values())
    assert evaluate_main(["--corpus", str(training_corpus), "--split", str(training_data / "test.jsonl"),
                          "--embedding-model", "base", "--embedding-model", str(model)]) == 0
    table = capsys.readouterr().out
    assert "recall@1" in table and "base" in table and str(model)[-30:] in table
