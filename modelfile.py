"""Read an Ollama Modelfile into the arguments of ollama.Client.create(), and write one.

The client's create() takes FROM, SYSTEM, PARAMETERs, MESSAGEs, TEMPLATE and ADAPTERs as separate
arguments rather than a Modelfile string, so `make model` parses ours here. A FROM or ADAPTER that names a
local file or folder (a GGUF base, a LoRA adapter from training/finetune_llm.py) is uploaded as blobs first,
as the `ollama create` command does.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

INT_PARAMETERS = {"num_ctx", "num_predict", "num_keep", "repeat_last_n", "seed", "top_k", "num_gpu",
                  "num_thread", "num_batch", "mirostat"}
LIST_PARAMETERS = {"stop"}


class ModelfileError(ValueError):
    pass


@dataclass
class Modelfile:
    from_: str = ""
    system: str | None = None
    template: str | None = None
    parameters: dict = field(default_factory=dict)
    messages: list[dict] = field(default_factory=list)
    adapters: list[str] = field(default_factory=list)

    def create_kwargs(self) -> dict:
        kwargs = {"from_": self.from_, "system": self.system, "template": self.template,
                  "parameters": self.parameters or None, "messages": self.messages or None}
        return {k: v for k, v in kwargs.items() if v is not None}


# What the server needs from a local model folder, and from a LoRA adapter folder.
MODEL_FILES = ("*.safetensors", "*.json", "tokenizer.model")
ADAPTER_FILES = ("*.safetensors", "adapter_config.json")


def create_arguments(spec: Modelfile, client, base_dir: Path) -> dict:
    """create() keyword arguments for spec; local files named by FROM and ADAPTER (relative to the
    Modelfile's folder) go to the server as blobs and are passed by digest."""
    kwargs = spec.create_kwargs()
    base = _local_path(spec.from_, base_dir)
    if base is not None:
        del kwargs["from_"]
        kwargs["files"] = _upload(client, base, MODEL_FILES)
    adapters: dict[str, str] = {}
    for adapter in spec.adapters:
        path = _local_path(adapter, base_dir)
        if path is None:
            raise ModelfileError(f"ADAPTER {adapter}: no such file or folder")
        adapters.update(_upload(client, path, ADAPTER_FILES))
    if adapters:
        kwargs["adapters"] = adapters
    return kwargs


def _local_path(reference: str, base_dir: Path) -> Path | None:
    path = (base_dir / Path(reference).expanduser()).resolve()
    return path if reference and path.exists() else None


def _upload(client, path: Path, patterns: tuple[str, ...]) -> dict[str, str]:
    files = [path] if path.is_file() else sorted({f for pattern in patterns for f in path.glob(pattern)})
    if not files:
        raise ModelfileError(f"{path} holds none of the files a model needs ({', '.join(patterns)})")
    return {f.name: client.create_blob(f) for f in files}


def parse_modelfile(text: str) -> Modelfile:
    result = Modelfile()
    for instruction, argument in _instructions(text):
        if instruction == "FROM":
            result.from_ = argument
        elif instruction == "SYSTEM":
            result.system = argument
        elif instruction == "TEMPLATE":
            result.template = argument
        elif instruction == "PARAMETER":
            _add_parameter(result.parameters, argument)
        elif instruction == "MESSAGE":
            role, _, content = argument.partition(" ")
            result.messages.append({"role": role.lower(), "content": _unquote(content.strip())})
        elif instruction == "ADAPTER":
            result.adapters.append(argument)
        elif instruction not in ("LICENSE",):
            raise ModelfileError(f"unknown Modelfile instruction {instruction}")
    if not result.from_:
        raise ModelfileError("the Modelfile has no FROM line")
    return result


def render_modelfile(spec: Modelfile, header: str = "") -> str:
    """The Modelfile text for spec; parse_modelfile(render_modelfile(spec)) gives spec back."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines.append(f"FROM {spec.from_}")
    lines += [f"ADAPTER {adapter}" for adapter in spec.adapters]
    for name, value in spec.parameters.items():
        values = value if isinstance(value, list) else [value]
        lines += [f'PARAMETER {name} "{v}"' if isinstance(v, str) else f"PARAMETER {name} {v}" for v in values]
    if spec.template is not None:
        lines.append(f"TEMPLATE {_quote(spec.template)}")
    if spec.system is not None:
        lines.append(f"SYSTEM {_quote(spec.system)}")
    lines += [f"MESSAGE {m['role']} {_quote(m['content'])}" for m in spec.messages]
    return "\n".join(lines) + "\n"


def _quote(value: str) -> str:
    if '"""' in value:
        raise ModelfileError('a Modelfile value cannot contain """')
    return f'"""{value}"""'


def read_modelfile(path: Path) -> Modelfile:
    return parse_modelfile(Path(path).read_text(encoding="utf-8"))


def _instructions(text: str):
    """(INSTRUCTION, argument) pairs; arguments may span lines inside triple quotes."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        instruction, _, argument = line.partition(" ")
        argument = argument.strip()
        if '"""' in argument and argument.count('"""') == 1:
            collected = [argument]
            while i < len(lines) and '"""' not in lines[i]:
                collected.append(lines[i])
                i += 1
            if i < len(lines):
                collected.append(lines[i])
                i += 1
            argument = "\n".join(collected)
        yield instruction.upper(), _unquote(argument)


def _unquote(value: str) -> str:
    value = value.strip()
    if value.startswith('"""') and value.endswith('"""') and len(value) >= 6:
        return value[3:-3].strip("\n")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _add_parameter(parameters: dict, argument: str) -> None:
    match = re.match(r"(\S+)\s+(.+)", argument)
    if not match:
        raise ModelfileError(f"PARAMETER needs a name and a value: {argument!r}")
    name, raw = match.group(1), match.group(2).strip()
    if name in LIST_PARAMETERS:
        parameters.setdefault(name, []).append(shlex.split(raw)[0] if raw.startswith('"') else raw)
    elif name in INT_PARAMETERS:
        parameters[name] = int(raw)
    else:
        try:
            parameters[name] = float(raw)
        except ValueError:
            parameters[name] = raw
