"""Read an Ollama Modelfile into the arguments of ollama.Client.create().

The client's create() takes FROM, SYSTEM, PARAMETERs, MESSAGEs, TEMPLATE and ADAPTERs as separate
arguments rather than a Modelfile string, so `make model` parses ours here.
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
