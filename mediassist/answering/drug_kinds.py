"""The kind of medicine a question asks the name of ("what's the water pill called?"), and whether a line names
a drug of that kind: by the common members patient_language lists, or by the WHO stem of the drug's name
(data/drug_kinds.toml), so that "furosemide" answers it and "Lotensin and some water pill" does not."""
from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import NamedTuple

from mediassist.plan.drugs import vocabulary
from patient_language import DRUG_CLASSES, canonical_word, has_trigger, stem

DATA = Path(__file__).parent / "data" / "drug_kinds.toml"


class _Kind(NamedTuple):
    triggers: tuple[str, ...]     # what patients call it ("water pill", "diuretic")
    members: frozenset[str]       # stems of its common members, brands included ("furosemide", "lasix")
    prefixes: tuple[str, ...]     # INN stems at the start of a member's name ("cef")
    suffixes: tuple[str, ...]     # and at its end ("semide")


@functools.lru_cache(maxsize=1)
def _kinds() -> dict[str, _Kind]:
    """By the first of its triggers."""
    stems = tomllib.loads(DATA.read_text(encoding="utf-8"))
    return {triggers[0]: _Kind(triggers, frozenset(canonical_word(stem(m)) for m in members.split()),
                               tuple(stems.get(triggers[0], {}).get("prefixes", ())),
                               tuple(stems.get(triggers[0], {}).get("suffixes", ())))
            for triggers, members in DRUG_CLASSES}


def kinds_asked(question: str) -> tuple[str, ...]:
    lowered = question.lower()
    return tuple(name for name, kind in _kinds().items() if any(has_trigger(lowered, t) for t in kind.triggers))


def names_one_drug(line: str, kinds: tuple[str, ...] = ()) -> bool:
    """The line names one drug (not only a kind of drug), of one of `kinds` when they are given."""
    drugs = vocabulary()
    for mention in drugs.mentions(line):
        if mention.generic in drugs.classes or _a_group(mention.generic):
            continue
        names = {mention.text.lower(), *re.split(r"[/,]\s*|\s+and\s+", mention.generic)}
        if not kinds or any(_is_of_kind(name.strip(), kind) for name in names for kind in kinds):
            return True
    return False


def _a_group(generic: str) -> bool:
    """The vocabulary's names of groups are plural ("anti-bacterial agents", "antacids"); one drug's are not, salt
    and all ("methylprednisolone sodium succinate")."""
    return re.search(r"(?<![siu])s$", generic.split()[-1]) is not None


def _is_of_kind(name: str, kind_name: str) -> bool:
    kind = _kinds()[kind_name]
    return any(canonical_word(stem(word)) in kind.members or word.startswith(kind.prefixes)
               or word.endswith(kind.suffixes) for word in re.findall(r"[a-z][a-z-]+", name))
