"""Whether a drug asked about is a drug the summary names: by one of its names, as a product of that drug only,
or inside a product of several. Built on the drug vocabulary's generic names."""
from __future__ import annotations

import re

from mediassist.plan.drugs import vocabulary


def one_drug(generic: str) -> bool:
    """"metoprolol", "hydrocodone/acetaminophen"; not a kind ("anti-bacterial agents", "insulin, long-acting",
    the vocabulary's classes)."""
    return generic not in vocabulary().classes and re.fullmatch(r"[a-z0-9-]+(?:/[a-z0-9-]+)*", generic) is not None


def one_substance(generic: str) -> bool:
    """As one_drug, and a name of several words too ("insulin glargine", "ferrous sulfate"): enough to keep an
    answer to the lines about that drug, never to say the summary does not name it (a summary that says only
    "long-acting insulin" does speak of Lantus)."""
    return generic not in vocabulary().classes and "," not in generic


def is_drug(asked: str, named: set[str]) -> bool:
    """The drug asked about is among those named, alone or as a product of that drug only: "insulin" is named by
    Novolin 70/30 (insulin isophane/insulin regular), "aspirin" is not by Excedrin (acetaminophen/aspirin/caffeine),
    whose dose is no answer to how much aspirin to take."""
    wanted = _parts(asked)
    return any(wanted == _parts(generic) or (len(wanted) == 1 and all(
        next(iter(wanted)) in re.findall(r"[a-z0-9-]+", part) for part in _parts(generic))) for generic in named)


def contains_drug(asked: str, named: set[str]) -> bool:
    """The drug asked about is in what the summary names, alone, inside a product, or as the drugs of a product
    named one by one: the summary that names Augmentin does mention amoxicillin, and one that lists
    "amoxicillin-clavulanate" does mention Augmentin. It must never be said not to."""
    wanted = _parts(asked)
    present = {part for generic in named for part in _parts(generic)}
    words = {word for part in present for word in re.findall(r"[a-z0-9-]+", part)}
    return wanted <= present or (len(wanted) == 1 and next(iter(wanted)) in words)


def shares_a_drug(asked: str, named: set[str]) -> bool:
    """Any drug of the product asked about is among what the summary names ("Augmentin?" beside an allergy to
    amoxicillin): enough never to say the summary does not mention it."""
    present = {part for generic in named for part in _parts(generic)}
    return bool(_parts(asked) & present) or contains_drug(asked, named)


def _parts(generic: str) -> frozenset[str]:
    """The drugs of a product by one name each ("acetaminophen/aspirin/caffeine", "acetaminophen, butalbital, and
    caffeine"); "vitamin d (cholecalciferol/ergocalciferol)" is one drug with two names, not two drugs."""
    outside_brackets = r"(?![^()]*\))"
    return frozenset(_canonical(part) for part in re.split(rf"(?:/|\s*,\s*(?:and\s+)?|\s+and\s+){outside_brackets}",
                                                           generic) if part.strip())


def _canonical(generic: str) -> str:
    """One name for a drug that goes by two ("paracetamol" and "acetaminophen", "colecalciferol" and
    "cholecalciferol"): the one the vocabulary gives it."""
    generic = generic.strip()
    return vocabulary().names.get(generic, generic)
