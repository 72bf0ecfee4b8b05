"""Section headings: which heading names which section, and where the sections of a text begin and end.

The heading vocabulary is data (data/section_headings.toml), read once at import.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from mediassist.structure.markers import BULLET, LIST_MARKER
from mediassist.structure.model import Section

VOCABULARY_PATH = Path(__file__).parent / "data" / "section_headings.toml"

_VOCABULARY = tomllib.loads(VOCABULARY_PATH.read_text(encoding="utf-8"))
_HEADING_VARIANTS: dict[str, tuple[str, ...]] = {
    name: tuple(variants) for name, variants in _VOCABULARY["headings"].items()}
CANONICAL_SECTION_NAMES: tuple[str, ...] = tuple(_HEADING_VARIANTS)   # every Section.name, in document order
# Plural and spelling variants fold onto one form so the table needs only one of them.
_WORD_FORMS: dict[str, str] = _VOCABULARY["word_forms"]
# Words that may trail a known heading without changing what it is about ("Follow-up arranged").
_QUALIFIER_WORDS = frozenset(_VOCABULARY["qualifiers"]["words"])


_GLOSS = re.compile(r"\([^()]*\)")   # words in brackets: "Recommended medication (morning-noon-evening-night)"


def _normalise_label(label: str) -> str:
    label = _GLOSS.sub(" ", _without_accents(label.lower()))
    for joiner in ("&", "/", "+"):
        label = label.replace(joiner, " and ")
    words = re.findall(r"[a-z0-9]+", label)
    return " ".join(_WORD_FORMS.get(word, word) for word in words)


def _without_accents(text: str) -> str:
    """"Médicaments au congé" -> "medicaments au conge": headings are compared letter for letter."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _heading_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name, variants in _HEADING_VARIANTS.items():
        for variant in variants:
            key = _normalise_label(variant)
            if index.setdefault(key, name) != name:
                raise ValueError(f"heading {variant!r} maps to both {index[key]!r} and {name!r}")
    return index


_HEADING_INDEX = _heading_index()


def canonical_section_name(label: str, fuzzy: bool = True, labelled: bool = False) -> str | None:
    """The CANONICAL_SECTION_NAMES entry a heading such as 'MEDICATIONS ON DISCHARGE' stands for, or None. A word
    misspelt by a letter or two ("Medicaitons", "Follwo") is read as the heading word it is closest to."""
    key = _normalise_label(label)
    if not key or len(key) > 80:
        return None
    return (_medicines_from_before(label) or _known_heading(key, labelled)
            or (_known_heading(_spelling_fixed(key), labelled) if fuzzy else None) or _medicines_of_another_time(key)
            or _one_heading_named_twice(label, fuzzy, labelled))


def _one_heading_named_twice(label: str, fuzzy: bool, labelled: bool) -> str | None:
    """"TTO / MEDICATIONS ON DISCHARGE", "Allergies / alerts": names of one section, one after the other. Not
    "Diet/Activity", whose names are of two."""
    parts = [part for part in label.split("/") if part.strip()]
    if len(parts) < 2:
        return None
    named = {canonical_section_name(part, fuzzy, labelled) for part in parts} - {None}
    return named.pop() if len(named) == 1 else None


# "Pre-admission home medications", "Chronic meds (clinic card)", "Medicines given in the Day Unit": a heading of
# medicines that says when they were taken, before the admission or during it, is not the discharge list.
_MEDICINE_WORD = re.compile(r"\b(?:medication|meds?|drugs?|tablets)\b")
_BEFORE = re.compile(r"\b(?:pre[\s-]?admission|prior to admission|before admission|on admission|chronic|long-term)\b")
# ("Given medications:" alone may be what was given to take home, as Indian cards write it: left unknown)
_DURING = re.compile(r"\b(?:administered|during (?:the )?(?:admission|stay)|in hospital|inpatient|on the ward|"
                     r"in the day unit)\b")


# A list said to come from the record of the patient's doctor or from the medicines they brought in, brackets
# included: "Current medication (from GP record)", "Own meds brought in", "Sources: GP summary care record".
# Not "Patient's own medicines" alone: UK wards also send the patient's own supply home as the discharge list.
_FROM_BEFORE = re.compile(r"\b(?:gp (?:summary )?(?:care )?record|summary care record|gp scr|"
                          r"(?:medication|meds?|drugs?|medicines?|supply) brought in|"
                          r"brought in (?:by|from) (?:the )?(?:patient|home|family))\b")


def _medicines_from_before(label: str) -> str | None:
    key = _normalise_label(label.replace("(", " ").replace(")", " "))
    if "discharge" in key or not _FROM_BEFORE.search(key):
        return None
    # "Pre-admission list confirmed with GP record:", not "Past medical history (GP record)"
    return "Admission Medications" if _MEDICINE_WORD.search(key) or _BEFORE.search(key) else None


def _medicines_of_another_time(key: str) -> str | None:
    if not _MEDICINE_WORD.search(key) or "discharge" in key:
        return None
    if _BEFORE.search(key):
        return "Admission Medications"
    return "Hospital Course" if _DURING.search(key) else None


def _known_heading(key: str, labelled: bool = False) -> str | None:
    """A heading of the table, with qualifiers after it ("Follow-up arranged") or, in a label (a colon after it,
    or capitals), words that narrow it before it: English puts the head of a heading last ("Post-operative
    instructions:", "Community follow-up:", "Postnatal plan:"). Not words that deny it or move it before this
    discharge ("Declined follow-up:", "Previous discharge medications:"): those stay unknown labels. Only the
    sections of advice are narrowed so: "Given medications:", "Ongoing treatment:" or "Physio assessment:" would
    move a list between the stay, the medicines and the diagnosis."""
    words = key.split()
    for start in range(min(len(words), 1 + (MAX_MODIFIER_WORDS if labelled else 0))):
        if start and words[start - 1] in _NOT_NARROWING:
            break
        if start and (words[start] in _TITLE_WORDS and words[start:] != ["note"] or _glued_heading(words[start - 1])):
            break   # "Discharge summary", "Clinic letter": the document's own title, not one of its sections
                    # (but "Clinic card notes" are notes); "DISPOSITIONDISCHARGE INSTRUCTIONS": two headings whose
                    # line break was lost
        found = _with_qualifiers(words[start:])
        if found and (not start or found in NARROWABLE_SECTIONS or _medicines_of_now(found, key)):
            return found
    return None


def _medicines_of_now(found: str, key: str) -> bool:
    """"Recommended medication:", "Prescribed medicines:": a list of medicines that no word places before or during
    the stay is read as the general medicines section, which commits it to neither. "Given medications:" stays
    unknown: given in hospital or given to take home (see _DURING)."""
    return found == "Medications" and not _BEFORE.search(key) and not _DURING.search(key) and "given" not in key.split()


NARROWABLE_SECTIONS = frozenset({"Discharge Instructions", "Follow-up", "Warning Signs", "Diet", "Activity",
                                 "Wound Care", "History of Present Illness",   # "Anticoagulation history:"
                                 "Notes"})   # "Clinic card notes:"


MAX_MODIFIER_WORDS = 2


def _glued_heading(word: str) -> bool:
    from mediassist.index.embedder import known_words   # "postoperative" is a word, not two headings
    return word not in known_words() and any(word.startswith(known) or word.endswith(known)
                                             for known in _LONG_HEADING_WORDS if word != known)
_TITLE_WORDS = frozenset({"summary", "note", "report", "letter", "record"})
_NOT_NARROWING = frozenset(_VOCABULARY["modifiers"]["not_narrowing"])


def _with_qualifiers(words: list[str]) -> str | None:
    key = " ".join(words)
    if key in _HEADING_INDEX:
        return _HEADING_INDEX[key]
    for size in range(len(words) - 1, 0, -1):
        head = " ".join(words[:size])
        if head in _HEADING_INDEX and all(word in _QUALIFIER_WORDS for word in words[size:]):
            return _HEADING_INDEX[head]
    return None


_HEADING_WORDS = sorted({word for key in _HEADING_INDEX for word in key.split()} | _QUALIFIER_WORDS)
_LONG_HEADING_WORDS = tuple(word for word in _HEADING_WORDS if len(word) >= 6)
_HEADING_SPELLING_CUTOFF = 80   # rapidfuzz ratio; "medicaitons" -> "medication" scores 86


def _spelling_fixed(key: str) -> str:
    from rapidfuzz import fuzz, process
    from mediassist.index.embedder import known_words   # "Medical Specialty" is English, not "Medication"
    words = []
    for word in key.split():
        if len(word) >= 5 and word not in _HEADING_WORDS and word not in known_words():
            best = process.extractOne(word, _HEADING_WORDS, scorer=fuzz.ratio, score_cutoff=_HEADING_SPELLING_CUTOFF)
            # not two words run together; and a slip keeps the first letter ("Cardiology" is no "Radiology")
            word = best[0] if best and abs(len(best[0]) - len(word)) <= 2 and best[0][0] == word[0] else word
        words.append(word)
    return " ".join(words)


@dataclass(frozen=True)
class _Heading:
    start: int
    end: int      # end of the heading text, colon and markup included
    name: str
    title: str


def split_sections(text: str) -> tuple[Section, ...]:
    """Sections in document order; text before the first heading is the Overview."""
    headings = _find_headings(text)
    first_start = headings[0].start if headings else len(text)
    sections = []
    if text[:first_start].strip():
        sections.append(Section("Overview", "", 0, first_start))
    for heading, following in zip(headings, headings[1:] + [None]):
        end = following.start if following else len(text)
        sections.append(Section(heading.name, heading.title, heading.start, end))
    return tuple(sections)


def _find_headings(text: str) -> list[_Heading]:
    candidates = sorted(_line_headings(text) + _caps_headings(text), key=lambda h: (h.start, -h.end))
    headings: list[_Heading] = []
    for candidate in candidates:
        if not headings or candidate.start >= headings[-1].end:
            headings.append(candidate)
    return headings


_MARKUP_PREFIX = re.compile(r"(?:#{1,6}[ \t]*)?(?:[*_]{1,3})?")
_LINE_LABEL = re.compile(r"(?P<label>[^:\n*_.]{2,60}?)[ \t]{0,3}[*_]{0,3}[ \t]{0,3}:[*_]{0,3}")   # bounded: no blow-up


def _line_headings(text: str) -> list[_Heading]:
    """Headings that open a line: a whole line ('### **Diet:**', 'ALLERGIES') or 'Diet: 2 g sodium'."""
    headings = []
    for line in re.finditer(r"[^\n]+", text):
        stripped = line.group().strip()
        if not stripped or LIST_MARKER.match(stripped):
            continue
        content_start = line.start() + len(line.group()) - len(line.group().lstrip())
        markup = _MARKUP_PREFIX.match(stripped).end()
        rest = stripped[markup:]
        whole = _without_trailing_markup(rest)
        name = _heading_name(whole, labelled=_all_capitals(whole)) if ":" not in whole else None
        if name:
            headings.append(_Heading(content_start, line.end(), name, whole))
            continue
        labelled = _LINE_LABEL.match(rest)
        if labelled and _one_medicine_field(labelled.group("label"), rest[labelled.end():], text, line.start(),
                                            line.end()):
            continue
        name = _heading_name(labelled.group("label"), labelled=True) if labelled else None
        if name:
            label = labelled.group("label").strip()
            end = content_start + markup + labelled.end()
            headings.append(_Heading(content_start, end, name, label))
    return headings


def _all_capitals(line: str) -> bool:
    """A line of capitals alone ("TCU (To Come Up) APPOINTMENTS") is a label as much as one ending in ":"."""
    letters = [c for c in _GLOSS.sub("", line) if c.isalpha()]   # a gloss in brackets may be lower case
    return len(letters) >= 4 and all(c.isupper() for c in letters)


_FIELD_LINE = re.compile(r"\s*(?:dose|dosage|strength|route|frequency|directions|sig|status|quantity|instructions?)\b"
                         r"[^:\n]{0,20}:", re.IGNORECASE)
_MEDICINE_LABEL = re.compile(r"\s*(?:medication|medicine|drug)\s*:\s*\S", re.IGNORECASE)


def _one_medicine_field(label: str, value: str, text: str, line_start: int, line_end: int) -> bool:
    """"Medication: Metoprolol" over "Dose: 25 mg", and the "Instructions: Take 1 tablet ..." under it, are fields
    of one medicine in an EHR list, not sections; "Medication: amoxicillin 500 mg TDS" alone and "Medication:"
    over a list are sections."""
    if label.strip().lower() in ("medication", "medicine", "drug"):
        return bool(value.strip(" \t*_")) and bool(_FIELD_LINE.match(_next_line(text, line_end)))
    return bool(_FIELD_LINE.match(label + ":")) and _under_a_medicine(text, line_start)


MAX_FIELDS_ABOVE = 4


def _under_a_medicine(text: str, line_start: int) -> bool:
    """Do the lines right above, fields all, go up to a "Medication: X" line?"""
    start = line_start
    for _ in range(MAX_FIELDS_ABOVE + 1):
        end = start - 1 if start > 0 and text[start - 1] == "\n" else start
        if end <= 0:
            return False
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if _MEDICINE_LABEL.match(line):
            return True
        if not _FIELD_LINE.match(line):
            return False
    return False


def _next_line(text: str, end: int) -> str:
    """The next line that is not empty after the line ending at `end` (read only as far as it goes)."""
    start = end
    while start < len(text) and text[start] in "\r\n":
        start += 1
    stop = text.find("\n", start)
    return text[start:stop if stop >= 0 else len(text)]


def _without_trailing_markup(text: str) -> str:
    """'Diet:**' -> 'Diet'. String methods, not a regex: a regex of several optional runs of spaces takes
    cubic time on a line with a long run of spaces inside it."""
    text = text.rstrip(" \t*_")
    if text.endswith(":"):
        text = text[:-1].rstrip(" \t*_")
    return text


def _heading_name(label: str, labelled: bool = False) -> str | None:
    """The section a line's label names, if it reads as a heading."""
    label = label.strip()
    if not label or not label[0].isupper() or label.endswith((".", ",", ";")):
        return None   # a wrapped sentence such as "Activity." is not a heading
    return canonical_section_name(label, labelled=labelled)


# An ALL-CAPS label ending in ":" (or running straight into a numbered list: "DIAGNOSES1."),
# found anywhere, because dictated summaries often lose their line breaks ("foot.DISCHARGE DIAGNOSIS:").
_CAPS_LABEL = re.compile(
    r"(?<![A-Z])(?P<label>[A-Z][A-Z'&/-]{0,29}(?:[ \t]{1,3}[A-Z&][A-Z'&/-]{0,29}){0,7})"
    r"(?:(?:[ \t]*\([^()\n]{0,40}\))?[ \t]*:|(?=[ \t]?\d{1,2}[.)][ \t]?[A-Z]))")


def _caps_headings(text: str) -> list[_Heading]:
    headings = []
    for match in _CAPS_LABEL.finditer(text):
        if _BULLET_BEFORE.fullmatch(text, text.rfind("\n", 0, match.start()) + 1, match.start()):
            continue   # "- LAB: BMP in 1 wk": the label of a bulleted item, not a section
        headings.extend(_split_caps_label(match.group("label"), match.start("label"), match.end()))
    return headings


_BULLET_BEFORE = re.compile(rf"[ \t]*{BULLET}[ \t]*")


def _split_caps_label(label: str, start: int, end: int) -> list[_Heading]:
    """Known heading(s) inside one ALL-CAPS run; unknown labels (HEENT:, VITAL SIGNS:) give none."""
    name = canonical_section_name(label, labelled=True)
    if name:
        return [_Heading(start, end, name, label)]
    for gap in re.finditer(r"[ \t]+", label):   # "ABCD DISCHARGE MEDICATIONS": drop leading words
        suffix = label[gap.end():]
        if len(suffix.split()) >= 2 and _exact_heading(suffix):
            return [_Heading(start + gap.end(), end, _exact_heading(suffix), suffix)]
    # Two words glued together where a line break was lost.
    cuts = [cut for cut in range(2, len(label) - 1) if label[cut - 1].isalpha() and label[cut].isalpha()]
    for cut in cuts:   # "DISPOSITIONDISCHARGE INSTRUCTIONS": both halves are headings
        prefix_name, rest_name = _exact_heading(label[:cut]), _exact_heading(label[cut:])
        if prefix_name and rest_name:
            return [_Heading(start, start + cut, prefix_name, label[:cut]),
                    _Heading(start + cut, end, rest_name, label[cut:])]
    for cut in reversed(cuts):   # "PHYSICAL EXAMINATIONVITAL SIGNS": a heading, then a sub-label
        prefix = label[:cut]
        if len(prefix.split()) >= 2 and _exact_heading(prefix):
            return [_Heading(start, start + cut, _exact_heading(prefix), prefix)]
    for cut in cuts:   # "XYZDISCHARGE MEDICATIONS": stray capitals, then a heading
        rest = label[cut:]
        if len(rest.split()) >= 2 and _exact_heading(rest):
            return [_Heading(start + cut, end, _exact_heading(rest), rest)]
    return []


def _exact_heading(label: str) -> str | None:
    """A heading inside run-together capitals is taken only when spelt right: a misspelling there is far more
    likely two words glued together ("EXAMINATIONVITAL")."""
    return canonical_section_name(label, fuzzy=False)


_HEADING_TRAILER = re.compile(r"(?:[ \t]*\([^()\n]{0,40}\))?[ \t]*[*_]{0,3}[ \t]*:?[*_]{0,3}")


def heading_end(text: str, section: Section) -> int:
    """Where the body of a section starts: after its title and any ':' or markup right after it."""
    if not section.title:
        return section.start
    found = text.find(section.title, section.start, section.end)
    if found < 0:
        return section.start
    return _HEADING_TRAILER.match(text, found + len(section.title), section.end).end()
