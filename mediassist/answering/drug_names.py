"""Whether a drug asked about is a drug the summary names: by one of its names, as a product of that drug only,
or inside a product of several. Built on the drug vocabulary's generic names."""
from __future__ import annotations

import re

from mediassist.plan.drugs import vocabulary


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


def _parts(generic: str) -> frozenset[str]:
    """The drugs of a product by one name each; "vitamin d (cholecalciferol/ergocalciferol)" is one drug with
    two names, not two drugs."""
    return frozenset(_canonical(part) for part in re.split(r"/(?![^()]*\))", generic))


def _canonical(generic: str) -> str:
    """One name for a drug that goes by two ("paracetamol" and "acetaminophen", "colecalciferol" and
    "cholecalciferol"): the one the vocabulary gives it."""
    generic = generic.strip()
    return vocabulary().names.get(generic, generic)
