"""Fine-tune the embedding model on (question, passage) pairs from the training data, with in-batch negatives.

    make train-embeddings
    .venv/bin/python training/train_embeddings.py [--data training/out/data] [--out training/out/embeddings]
                                                  [--epochs 3] [--batch-size 16] [--lr 3e-5] [--seed 13]

Pairs come from the answered rows of train.jsonl: the question as the app embeds it (with its patient-word
expansion) and each chunk the grounded answer quotes, as the app indexes it. The loss is
MultipleNegativesRankingLoss: in a batch, every other pair's passage is a negative for a question, so a
batch never holds the same passage or question twice. The model is compared with the starting one on
validation.jsonl (MRR of the quoted chunks within their own summary) and written to --out only when it
is better; use it with EMBEDDING_MODEL=<out> (re-index: vectors from two models do not mix).
Runs on the CPU in a few minutes on the development corpus.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from patient_language import analyse  # noqa: E402
from training.evaluate import DEFAULT_CORPUS, compare_embedding_models  # noqa: E402

DEFAULT_DATA = ROOT / "training" / "out" / "data"
DEFAULT_OUT = ROOT / "training" / "out" / "embeddings"


def training_pairs(path: Path) -> list[tuple[str, str]]:
    """(query as embedded, passage as indexed) for every chunk an answered row quotes; each pair once."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else {}
        if row.get("answerable"):
            query = analyse(row["instruction"]).search_text
            pairs += [(query, passage) for passage in row["passages"]]
    return list(dict.fromkeys(pairs))


def batches_without_repeats(pairs: list[tuple[str, str]], size: int, rng: random.Random) -> list[list[tuple[str, str]]]:
    """Shuffled batches in which no question and no passage appears twice: a repeated passage would be
    its own negative."""
    pending = pairs[:]
    rng.shuffle(pending)
    batches = []
    while pending:
        batch, queries, passages, later = [], set(), set(), []
        for pair in pending:
            if len(batch) < size and pair[0] not in queries and pair[1] not in passages:
                batch.append(pair)
                queries.add(pair[0])
                passages.add(pair[1])
            else:
                later.append(pair)
        batches.append(batch)
        pending = later
    return batches


def fine_tune(base: str, pairs: list[tuple[str, str]], out: Path, epochs: int, batch_size: int, lr: float,
              seed: int) -> dict:
    import torch
    from sentence_transformers import SentenceTransformer
    try:
        from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    except ImportError:   # sentence-transformers before 5.x
        from sentence_transformers.losses import MultipleNegativesRankingLoss
    from sentence_transformers.util import batch_to_device
    from tqdm import tqdm
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = SentenceTransformer(base, device="cpu", local_files_only=True)
    loss_function = MultipleNegativesRankingLoss(model)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr)
    schedule = [batches_without_repeats(pairs, batch_size, rng) for _ in range(epochs)]
    total = sum(map(len, schedule))
    warmup = max(1, total // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup + 1))))
    losses, started = [], time.perf_counter()
    model.train()
    with tqdm(total=total, desc="Fine-tuning", unit="batch", file=sys.stderr) as bar:
        for batch in (b for epoch in schedule for b in epoch):
            texts = ([query for query, _ in batch], [passage for _, passage in batch])
            features = [batch_to_device(model.preprocess(list(t)), model.device) for t in texts]
            loss = loss_function(features, None)
            loss.backward()
            optimiser.step()
            scheduler.step()
            optimiser.zero_grad()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{loss.item():.3f}")
            bar.update()
    model.eval()
    model.save(str(out))
    return {"pairs": len(pairs), "steps": total, "epochs": epochs, "batch_size": batch_size, "lr": lr,
            "seconds": round(time.perf_counter() - started, 1),
            "loss_first_epoch": round(sum(losses[:len(schedule[0])]) / len(schedule[0]), 4),
            "loss_last_epoch": round(sum(losses[-len(schedule[-1]):]) / len(schedule[-1]), 4)}


def is_better(before: dict, after: dict) -> bool:
    return (after["mrr"] or 0) > (before["mrr"] or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with train.jsonl and validation.jsonl")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the summaries the data was built from")
    parser.add_argument("--base", default="base", help="'base' (the app's MiniLM) or a local model folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    for split in ("train", "validation"):
        if not (args.data / f"{split}.jsonl").is_file():
            print(f"No {split}.jsonl in {args.data}: run `make train-data` first.", file=sys.stderr)
            return 2
    from mediassist.index.embedder import default_embedding_model
    base = default_embedding_model() if args.base == "base" else args.base
    pairs = training_pairs(args.data / "train.jsonl")
    if len(pairs) < 2:
        print(f"Only {len(pairs)} question-passage pairs in {args.data}/train.jsonl: too few to train on.",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / "model"
        training = fine_tune(base, pairs, candidate, args.epochs, args.batch_size, args.lr, args.seed)
        scores = compare_embedding_models(args.data / "validation.jsonl", args.corpus, [base, str(candidate)])
        before, after = scores[base], scores[str(candidate)]
        kept = is_better(before, after)
        if kept:
            shutil.rmtree(args.out, ignore_errors=True)
            shutil.copytree(candidate, args.out)
    report = {"base": base, "training": training, "validation_before": before, "validation_after": after,
              "kept": kept, "out": str(args.out) if kept else None}
    print(json.dumps(report, indent=2))
    if kept:
        (args.out / "training_report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        print(f"Kept: validation MRR {before['mrr']} -> {after['mrr']}. Use it with EMBEDDING_MODEL={args.out}")
    else:
        print(f"Not kept: validation MRR {before['mrr']} -> {after['mrr']} is no better than the starting model.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
