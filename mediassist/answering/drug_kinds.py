"""The kind of medicine a question asks the name of ("what's the water pill called?"), and whether a line names
a drug of that kind: by the common members patient_language lists, or by the WHO stem of the drug's name
(data/drug_kinds.toml), so that "furosemide" answers it and "Lotensin and some water pill" does not."""
from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from mediassist.plan.drugs import vocabulary
from patient_language import DRUG_CLASSES, canonical_word, has_trigger, stem

DATA = Path(__file__).parent / "data" / "drug_kinds.toml"


@functools.lru_cache(maxsize=1)
def _kinds() -> dict[str, tuple[tuple[str, ...], frozenset[str], tuple[str, ...], tuple[str, ...]]]:
    """First trigger -> (every trigger, the listed members' stems, the INN prefixes, the INN suffixes)."""
    stems = tomllib.loads(DATA.read_text(encoding="utf-8"))
    return {triggers[0]: (triggers, frozenset(canonical_word(stem(m)) for m in members.split()),
                          tuple(stems.get(triggers[0], {}).get("prefixes", ())),
                          tuple(stems.get(triggers[0], {}).get("suffixes", ())))
            for triggers, members in DRUG_CLASSES}


def kinds_asked(question: str) -> tuple[str, ...]:
    lowered = question.lower()
    return tuple(kind for kind, (triggers, *_) in _kinds().items() if any(has_trigger(lowered, t) for t in triggers))


def names_a_drug(line: str, kinds: tuple[str, ...] = ()) -> bool:
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


def _is_of_kind(name: str, kind: str) -> bool:
    _, members, prefixes, suffixes = _kinds()[kind]
    words = re.findall(r"[a-z][a-z-]+", name)
    return any(canonical_word(stem(word)) in members or word.startswith(prefixes) or word.endswith(suffixes)
               for word in words) if words else False
