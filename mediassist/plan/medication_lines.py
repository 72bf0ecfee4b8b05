"""The drugs on one line of a medication list: name, dose, route, frequency, duration and status of each.

A run-on line ("Vicodin 1 tablet p.o. q.4-6 h. p.r.n. pain, multiple vitamin 1 tab p.o. daily") is split into
one medication per drug, a bare list of names ("Zofran, Phenergan, and Vicodin") gives names only, and a
supplies line is kept whole. Not to be confused with medicines.py, which completes the plan's medicine list
afterwards from drugs named in sentences, using the drug vocabulary.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .dosing import DURATION, FREQUENCY, ROUTE, clean_field, find_dose, find_frequency, first_match, only_how_taken, \
    read_status, without_relative_clauses
from .drugs import vocabulary
from .words import LAB_ANALYTES, LEADING_WORDS, NAME_ONLY_STOP, NON_DRUG_WORDS, NOT_A_DRUG_START, STATUS_WORDS, \
    SUPPLIES, TRAILING_WORDS

_SUPPLIES = re.compile(r"^(?:diabetic\s+|medical\s+)?(?:supplies|equipment|devices?|dressings? supplies)\s*:",
                       re.IGNORECASE)
# Where a drug's name may end before its dose, route or frequency: a dash, a comma, "Sig", a status word, or the
# verb of a sentence about it ("Clopidogrel will continue at 75 mg" is named "Clopidogrel").
_NAME_ANCHOR = re.compile(
    r"\s[—–-]\s|[,;:]|\bSig\b|\s(?:to|that|which|who|for|x|will|should|must|is|are|was|were|remains?)\s|"
    r"\b(?:increased|decreased|reduced|changed|stop|stopped|discontinued?|hold|held|continues?|continued|resumed?|"
    r"restart(?:ed)?|ceased|withheld|suspended|commenced)\b|\(\s*(?:new|changed?|stop|continued?|hold)\b",
    re.IGNORECASE)
_SUBJECT_VERB = re.compile(r"\s(?:will|should|must|is|are|was|were)\s", re.IGNORECASE)
_STOPPED_AFTER_VERB = re.compile(r"(?:be\s+|been\s+|now\s+)?(?:withheld|suspended|ceased|omitted|stopped|discontinued|"
                                r"held|on hold)\b(?!\s+(?:if|when|unless|for (?:sbp|hr|bp|pulse|systolic|heart)))",
                                re.IGNORECASE)
_RESULT_WORD = re.compile(r"(?:low|high|raised|elevated|normal|level|levels|was|is|of)\b", re.IGNORECASE)
_PERSON = re.compile(r"^(?:dr|doctor|mr|mrs|ms|miss|nurse|gp|mother|mum|mom|father|dad|patient|pt|she|he|they|family|"
                     r"carer|caregiver|now|then)\b", re.IGNORECASE)


# The directions a patient's list prints under a drug's name ("Take 1 capsule (100 mg total) by mouth 3 (three) times
# a day", "Inject 18 Units under the skin nightly", "Inhale 2 puffs every 4 hours as needed"): how to take the drug
# above, never a drug of its own.
_DIRECTIONS = re.compile(r"(?:take|inject|inhale|apply|use|give|place|insert|instill|chew|dissolve|spray|swallow|"
                         r"administer|put|rub)\b|\d+(?:\.\d+)?\s*(?:tablets?|capsules?|puffs?|drops?|units?|sprays?|"
                         r"patch(?:es)?)\b", re.IGNORECASE)


def directions(text: str) -> MedFields | None:
    """A line that says how to take a drug without naming one; None for anything else."""
    if not _DIRECTIONS.match(text) or vocabulary().mentions(text):
        return None
    return how_taken(text)


def how_taken(text: str) -> MedFields | None:
    """The dose, route, how often and how long that directions in words give; None where they give none of the
    first three."""
    dose, route, frequency = find_dose(text), first_match(ROUTE, text), find_frequency(text, 0)
    if not (dose or route or frequency):
        return None
    duration = DURATION.search(text)
    return MedFields(name="", dose=dose[2] if dose else None, route=clean_field(route.group()) if route else None,
                     frequency=frequency[1] if frequency else None,
                     duration=clean_field(duration.group()) if duration else None, text=text)


# "Please stop this", "Stop taking them - they are not good for your kidneys": a stop of the drug named just before
_STOPS_IT = re.compile(r"^\W*(?:please\s+)?(?:stop(?:\s+taking)?|discontinue|(?:do not|don'?t)\s+(?:take|use|give))\s+"
                       r"(?:this|it|them|these|that)\b(?!\s+(?:if|when|unless|before|until)\b)", re.IGNORECASE)


def stops_the_one_before(text: str) -> bool:
    """A line that stops the drug of the line before without naming one."""
    return bool(_STOPS_IT.match(text)) and not vocabulary().mentions(text)


def _stopped_now(text: str, verb: re.Match) -> bool:
    """"Metformin is withheld", not "was omitted for one dose, ... continue" nor "will be withheld before the scan"."""
    return verb.group().strip().lower() in ("is", "are") and bool(_STOPPED_AFTER_VERB.match(text, verb.end())) \
        and not re.search(r"\b(?:continue|resume|restart)\w*", text[verb.end():], re.IGNORECASE)


# "FLUTICASONE 250/SALMETEROL 50MCG", "budesonide 160/formoterol 4.5 mcg": a combination product, each drug's
# strength after its name, the unit once at the end
_COMBINATION = re.compile(r"(?P<first>.*[A-Za-z])\s+(?P<strength>\d+(?:[.,]\d+)?)\s*/\s*(?P<second>[A-Za-z][\w-]*)")


def _combination(name: str, dose: str | None) -> tuple[str, str | None]:
    """The name and dose of a combination product whose first strength was read as part of the name: "FLUTICASONE
    250/SALMETEROL" and "50MCG" become "FLUTICASONE/SALMETEROL" and "250/50MCG"."""
    parts = _COMBINATION.fullmatch(name)
    if not (parts and dose and vocabulary().mentions(parts["second"]) and vocabulary().mentions(parts["first"])):
        return name, dose
    return f"{parts['first']}/{parts['second']}", f"{parts['strength']}/{dose}"


def _clean_name(raw: str) -> str:
    words = raw.replace("\n", " ").split()
    while words and words[0].lower().strip(".,;:") in LEADING_WORDS:
        words.pop(0)
    while words and words[-1].lower().strip(".,;:") in TRAILING_WORDS:
        words.pop()
    name = " ".join(words).strip(" ,;:-—–")
    if name.count("(") > name.count(")"):
        name = name[:name.rfind("(")].rstrip()
    return name


def _name_ok(name: str, max_words: int) -> bool:
    if not name or not re.match(r"[A-Za-z0-9]", name) or not re.search(r"[A-Za-z]{2}", name):
        return False
    words = name.split()
    if len(words) > max_words or name.endswith(":") or only_how_taken(name):
        return False
    first = words[0].lower().strip(".,;:()'")
    if first in ("do", "not", "don't", "never", "please", "check", "monitor") or STATUS_WORDS.get(first) == "stopped":
        return False   # "Do not continue ibuprofen 400 mg TDS", "Stop doxazosin", "Check CBG 4 times a day": an order
    if words[0].lower().strip(".,;:()") in LAB_ANALYTES and len(words) > 1 and _RESULT_WORD.match(words[1]):
        return False   # "Cortisol low; start hydrocortisone": a blood result
    bare = [word.lower().strip(".,;:()") for word in words]
    if any(word in NON_DRUG_WORDS for word in bare):
        return False
    return vocabulary().could_name_a_drug(name) or any(word in SUPPLIES for word in bare)


@dataclass
class MedFields:
    """A medication as read from a line, before it takes the section and page of its unit."""
    name: str
    dose: str | None = None
    route: str | None = None
    frequency: str | None = None
    duration: str | None = None
    status: str | None = None
    text: str = ""


def parse_medication(part: str, strict: bool, status_default: str | None,
                     name_only_ok: bool) -> MedFields | None:
    """One drug from one line (or part of a run-on line); None when it is not a medication."""
    text = part.strip(" ,;")
    if not text or text.endswith(":"):
        return None
    if _SUPPLIES.match(text):
        return None if strict else MedFields(name=text.rstrip("."), status=status_default, text=text)
    dose = find_dose(text)
    route = first_match(ROUTE, text)
    frequency = find_frequency(text, 0)
    anchors = [position for position in (dose[0] if dose else None, route.start() if route else None,
                                         frequency[0] if frequency else None) if position is not None]
    anchor = _NAME_ANCHOR.search(text)
    if anchor and anchor.start() > 0:
        anchors.append(anchor.start())
    if not (dose or route or frequency):
        return None if strict or not name_only_ok else _bare_name(text, anchor, status_default)
    name = _clean_name(text[:min(anchors)])
    name = _named_after_a_label(text, anchor, min(anchors)) or name
    if strict and not (dose and (route or frequency)):
        return None
    said_of_it = anchor and anchor.start() == min(anchors) and _SUBJECT_VERB.match(anchor.group())
    if said_of_it and _PERSON.match(name):
        return None   # "Dr Patel will restart ramipril 2.5 mg": a person; the drug is read from the sentence
    if said_of_it and _stopped_now(text, anchor):
        status_default = "stopped"   # "- Metformin is withheld", "Ramipril is on hold"
    if not _name_ok(name, 4 if strict else 7):
        return None
    duration = DURATION.search(text, max(text.find(name), 0) + len(name))
    name, strength = _combination(name, dose[2] if dose else None)
    return MedFields(
        name=name,
        dose=strength,
        route=clean_field(route.group()) if route else None,
        frequency=frequency[1] if frequency else None,
        duration=clean_field(duration.group()) if duration else None,
        status=read_status(_own_words(text), status_default),
        text=text,
    )


def _own_words(text: str) -> str:
    """The line less what a relative clause says of another drug it names ("..., which should be stopped")."""
    return without_relative_clauses(text, [m.end for m in vocabulary().mentions(text)[1:]])


def _named_after_a_label(text: str, anchor: re.Match | None, name_end: int) -> str | None:
    """ "Anticoagulant: apixaban 5 mg BD", "Antiplatelet - clopidogrel 75 mg OD": a label of what the drug is for,
    then the drug itself, whose name is the medicine's (never "Anticoagulant 5 mg")."""
    if not anchor or anchor.start() != name_end or anchor.group().strip() not in (":", "-", "–", "—"):
        return None
    after = text[anchor.end():]
    mentions = vocabulary().mentions(after)
    return mentions[0].text if mentions and not after[:mentions[0].start].strip() else None


def _bare_name(text: str, anchor: re.Match | None, status_default: str | None) -> MedFields | None:
    """A bare name ("Glucagon emergency kit", "Coumadin: resume"), where a list item may be one."""
    if anchor and _SUBJECT_VERB.match(anchor.group()):
        if not _stopped_now(text, anchor):
            return None   # a sentence about the drug ("Metformin will be restarted by the GP"): read as a sentence
        status_default = "stopped"   # "- Metformin is withheld"
    name = _clean_name(text[:anchor.start()] if anchor and anchor.start() > 0 else text.rstrip("."))
    words = name.split()
    if not name or len(words) > 5 or any(w.lower().strip(".,;:()") in NAME_ONLY_STOP for w in words):
        return None
    if not _name_ok(name, 5) or name.lower().strip(". ") in ("none", "nil", "n/a", "na"):
        return None
    return MedFields(name=name, status=read_status(text, status_default), text=text)


# ("and" before a name in lower case splits only before a second drug: see _names_a_second_drug)
_PART_SPLIT = re.compile(r"\s*(?:,|;)\s+(?:and\s+)?|\s+and\s+(?=[A-Z])|,\s*and\s+|\s+and\s+(?=[a-z])")


def _starts_drug(part: str) -> bool:
    """Does this part of a run-on line start another drug (a name, then a dose, route or frequency)?"""
    words = part.split()
    if not words:
        return False
    first = words[0].lower().strip(".,;:()")
    if first in NOT_A_DRUG_START or not re.match(r"[A-Za-z]", first):
        return False
    head = " ".join(words[:8])
    return bool(find_dose(head) or first_match(ROUTE, head) or FREQUENCY.search(head))


def _names_a_second_drug(before: str, part: str) -> bool:
    """After "and" in lower case: a drug the vocabulary knows, when what comes before gives no dose, route or
    frequency of its own ("Slow-K ceased and spironolactone commenced 25 mg daily"). A dictated run of regimens
    ("furosemide 20 twice daily and pantoprazole 40 every morning") is split by the sentence reader instead."""
    if find_dose(before) or first_match(ROUTE, before) or find_frequency(before, 0):
        return False
    mentions = vocabulary().mentions(" ".join(part.split()[:4]))
    return bool(mentions) and mentions[0].start == 0


def _med_parts(text: str) -> list[str]:
    """Split a run-on line into one part per drug; a part that does not start a drug joins the one before."""
    if re.search(r"\bSig\s*:", text):
        return [text]   # MIMIC style: "Aspirin 81 mg Tablet, Chewable Sig: One (1) Tablet, Chewable PO DAILY"
    pieces, last = [], 0
    for separator in _PART_SPLIT.finditer(text):
        pieces.append((last, separator.start(), separator.end()))
        last = separator.end()
    bounds = [0]
    part_end = {start: end for start, end, _ in pieces}
    for _, sep_start, sep_end in pieces:
        part = text[sep_end:part_end.get(sep_end, len(text))]
        lower_and = text[sep_start:sep_end].strip() == "and" and part[:1].islower()
        if _starts_drug(part) and (not lower_and or _names_a_second_drug(text[bounds[-1]:sep_start], part)):
            bounds.append(sep_end)
    bounds.append(len(text))
    parts = []
    for begin, end in zip(bounds, bounds[1:]):
        part = text[begin:end].strip()
        part = re.sub(r"^(?:and|or)\s+", "", part)
        parts.append(part.rstrip(" ,;"))
    return [part for part in parts if part]


def _name_list(text: str) -> list[str] | None:
    """'Zofran, Phenergan, Coumadin, and Lovenox, and Vicodin' -> the names; None for anything else."""
    if find_dose(text) or first_match(ROUTE, text) or FREQUENCY.search(text):
        return None
    names = [name.strip(" .") for name in re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", text)]
    names = [name for name in names if name]
    if len(names) < 2:
        return None
    for name in names:
        words = name.split()
        if len(words) > 4 or any(w.lower().strip("().") in NAME_ONLY_STOP for w in words) \
                or not _name_ok(name, 4):
            return None
    return names


def medications_in(text: str, strict: bool, status_default: str | None, is_item: bool) -> list[MedFields]:
    """The drugs of one line. strict (outside a medication list): only a name with a dose and a route or
    frequency counts; is_item: a bare name may be a drug."""
    if not strict:
        names = _name_list(text.rstrip("."))
        if names:
            status = read_status(text, status_default)
            return [MedFields(name=name, status=status, text=text) for name in names]
    if _SUPPLIES.match(text):
        found = parse_medication(text, strict, status_default, True)
        return [found] if found else []
    meds = []
    for part in _med_parts(text):
        found = parse_medication(part, strict, status_default, name_only_ok=is_item)
        if found:
            meds.append(found)
    if meds and len(meds) == 1:
        meds[0].text = text   # one drug on the line: quote the whole line
    return meds

