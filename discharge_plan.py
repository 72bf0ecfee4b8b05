"""The patient's discharge plan, pulled out of a discharge summary without a language model.

extract_plan(document) reads the sections that document_processor found and returns a DischargePlan:
the discharge medications (name, dose, route, how often, how long, NEW/CHANGED/STOPPED/CONTINUED),
follow-up appointments (who, when, what for), tests to do after discharge, diet, activity, wound care
and warning signs. It is rule-based and deterministic, and every item quotes the words of the summary
(list markers, markdown and extra whitespace removed), with the section and page it came from.

Where the items come from
- Medications: the "Discharge Medications" sections, and a "Medications" section when it is the
  discharge list (it says so, or it follows the hospital course / the instructions rather than the
  history). Admission / home medication lists and the Hospital Course are never read for medications.
  Medication lines inside the Discharge Instructions count when they clearly are prescriptions (a drug
  name with a dose and a route or frequency), as do the items of a list introduced by
  "... continue these medications:" there. Only when no such section gives anything, a list introduced by
  "medications on discharge:" anywhere else is used.
  A run-on sentence ("Vicodin 1 tablet p.o. q.4-6 h. p.r.n. pain, multiple vitamin 1 tab p.o. daily, ...")
  is split into one medication per drug; each medication's `text` is then its own part of the sentence.
  Bare drug names in a list ("Zofran, Phenergan, and Vicodin", "Glucagon emergency kit") become
  medications with only a name. A supplies line ("Supplies: glucose monitor, test strips") is kept as one
  item whose name is the whole line. "None", "As previously mentioned" and other non-drug lines are skipped.
- Follow-up, tests, diet, activity, wound care, warning signs: the items of those sections, plus the
  matching sentences of the Discharge Instructions (and of lines left over in a medication section).
  Sentences of the Hospital Course count only when they are plainly about after discharge ("She is to
  follow up with Dr. X in one week", "He is instructed not to drive"). Each item is placed once, in the
  most specific category: a warning sign before a follow-up appointment before a test before wound care
  before diet before activity; an item under a heading keeps that heading's category unless it plainly
  belongs to another one (a lab test listed under Follow-up goes to tests). The list items after a lead-in
  such as "Call your doctor or return to the ER for any of the following:" take the lead-in's category.
  An instruction sentence about two things ("Regular diet, bedrest for 1 week") is cut at the comma
  into one item per category; otherwise an item is the whole sentence or list item. Reports of teaching
  ("Family counseled on diabetes care") and of agreement ("He understands and agreed") are left out.
- Follow-up appointments carry who / when / purpose where the words say so ("Dr. Lee (cardiology): March
  21, 2025 at 2:15 PM", "PCP in 3-5 days for post-hospital follow-up"), else None; the text is always there.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from document_processor import Document, Section, split_units

__all__ = ["Medication", "Appointment", "PlanItem", "DischargePlan", "extract_plan"]


# --------------------------------------------------------------------------- data model

@dataclass(frozen=True)
class Medication:
    name: str
    dose: str | None
    route: str | None
    frequency: str | None
    duration: str | None
    status: str | None      # "new" | "changed" | "stopped" | "held" | "continued" | None
    text: str               # the source line (or its part, for a run-on list of drugs), tidied
    section: str
    page: int
    as_written: bool = False   # a line about medicines that could not be read as one: shown as written


@dataclass(frozen=True)
class Appointment:
    who: str | None
    when: str | None
    purpose: str | None
    text: str
    section: str
    page: int


@dataclass(frozen=True)
class PlanItem:
    text: str
    section: str
    page: int


@dataclass(frozen=True)
class DischargePlan:
    medications: tuple[Medication, ...]
    follow_up: tuple[Appointment, ...]
    tests: tuple[PlanItem, ...]
    diet: tuple[PlanItem, ...]
    activity: tuple[PlanItem, ...]
    wound_care: tuple[PlanItem, ...]
    warning_signs: tuple[PlanItem, ...]

    def to_json(self) -> dict:
        """Plain dicts and lists (JSON-ready); the keys are the field names."""
        return {
            "medications": [asdict(item) for item in self.medications],
            "follow_up": [asdict(item) for item in self.follow_up],
            "tests": [asdict(item) for item in self.tests],
            "diet": [asdict(item) for item in self.diet],
            "activity": [asdict(item) for item in self.activity],
            "wound_care": [asdict(item) for item in self.wound_care],
            "warning_signs": [asdict(item) for item in self.warning_signs],
        }

    @property
    def is_empty(self) -> bool:
        return not any(self.to_json().values())


CATEGORIES = ("follow_up", "tests", "diet", "activity", "wound_care", "warning_signs")


# --------------------------------------------------------------------------- units (sentences, list items)

@dataclass
class _Unit:
    start: int
    end: int
    text: str        # tidied
    section: Section
    index: int       # the section's position in document.sections
    is_item: bool    # a bulleted or numbered list item
    is_row: bool     # a table row ("cell | cell")
    page: int


_ITEM_MARKER = re.compile(r"\s*(?:\d{1,2}[.)](?=\s|[A-Za-z(])|[*•·▪●◦○‣⁃–—+-](?=\s))\s*")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")
_MARKDOWN_EMPHASIS = re.compile(r"(?<![\w*\[])(\*{1,3}|_{2,3})(?=[^\s*])(.+?)(?<=[^\s*])\1(?![\w*\]])")
# Sentence breaks that split_units leaves alone after a dotted abbreviation ("9:00 a.m. Repeat", "b.i.d. Keep").
_AM_PM_BREAK = re.compile(
    r"(?<=\b[aApP]\.[mM]\.)\s+(?=[A-Z][a-z])"
    r"|(?<=[a-z]\.)\s+(?=(?:Keep|Take|Do|Don't|Call|Return|Follow|Walk|Avoid|No|Resume|Use|Please|Eat|Drink|"
    r"Limit|See|Continue|Stop|Check|Make|Weigh|Wear|Shower|Apply|Change|Remove|Go|Ambulate|Rest|Elevate|"
    r"Seek|Notify|Contact|Start|Finish|Restart|Schedule|Have|Get|Bring|Monitor|Diet|Activity)\b)")


def _tidy(raw: str) -> str:
    text = _MARKDOWN_ESCAPE.sub(r"\1", raw)
    text = _ITEM_MARKER.sub("", text, count=1) if _ITEM_MARKER.match(text) else text
    text = _MARKDOWN_EMPHASIS.sub(r"\2", text)
    text = re.sub(r"^#{1,6}\s+", "", text)
    text = re.sub(r"(?:^[*_]{2,3}|[*_]{2,3}$)", "", text.strip())
    return " ".join(text.split())


def _body_start(text: str, section: Section) -> int:
    """Where the words under a heading start (after the title, a bracketed note and ':' / markup)."""
    if not section.title:
        return section.start
    found = text.find(section.title, section.start, section.end)
    if found < 0:
        return section.start
    trailer = re.compile(r"(?:[ \t]*\([^()\n]{0,40}\))?[ \t]*[*_]{0,3}[ \t]*:?[*_]{0,3}")
    return trailer.match(text, found + len(section.title), section.end).end()


def _units(document: Document) -> list[_Unit]:
    text = document.text
    sections = list(document.sections)
    starts = {section.start: number for number, section in enumerate(sections)}
    bodies = [_body_start(text, section) for section in sections]
    units: list[_Unit] = []
    for start, end in split_units(text):
        section = document.section_at(start)
        if section is None:
            continue
        index = starts.get(section.start, 0)
        start = max(start, bodies[index])
        pieces, cursor = [], start
        for brk in _AM_PM_BREAK.finditer(text, start, end):   # "at 9:00 a.m. Repeat chest x-ray"
            pieces.append((cursor, brk.start()))
            cursor = brk.end()
        pieces.append((cursor, end))
        for piece_start, piece_end in pieces:
            raw = text[piece_start:piece_end]
            tidy = _tidy(raw)
            if not re.search(r"[A-Za-z]{2}", tidy):
                continue
            units.append(_Unit(piece_start, piece_end, tidy, section, index,
                               is_item=bool(_ITEM_MARKER.match(raw)) and not raw.lstrip().startswith("|"),
                               is_row=" | " in raw, page=document.page_at(piece_start)))
    return units


# --------------------------------------------------------------------------- medication vocabulary

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?|\.\d+)"
_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|half|a|an)"
_RANGE = rf"{_NUMBER}(?:\s*/\s*{_NUMBER})*(?:\s*(?:-|–|to)\s*{_NUMBER})?"
_STRENGTH_UNIT = (r"(?:mg|mcg|µg|ug|micrograms?|g|gm|grams?|milligrams?|mEq|meq|mmol|units?|IU|"
                  r"international units|mL|ml|cc|%)")
_AMOUNT = rf"{_RANGE}\s*{_STRENGTH_UNIT}(?![A-Za-z])"
_PER = (r"(?:\s*/\s*(?:\d+(?:\.\d+)?\s*)?(?:mL|ml|L|kg|hr|h|hour|dose|puff|actuation|inhalation|day|m2)\b"
        rf"|\s+per\s+(?!(?:day|week|month|hour|mouth|os|rectum|tube|dose)\b)(?:{_NUMBER}\s*{_STRENGTH_UNIT}\s+)?"
        r"[a-z]+(?=\s|[,.;)]|$)"
        rf"|\s+in\s+{_NUMBER}\s*(?:mL|ml)\b)?")
_STRENGTH = re.compile(
    rf"(?<![\w./]){_AMOUNT}(?:\s*/\s*{_AMOUNT})*{_PER}(?:\s*[xX×]\s*\d+\b)?", re.IGNORECASE)
_COUNT_UNIT = (r"(?:tablets?|tabs?|capsules?|caps?|puffs?|drops?|sprays?|patch(?:es)?|appl|applications?|"
               r"inhalations?|vials?|ampoules?|suppositor(?:y|ies)|teaspoons?|tsp|tablespoons?|tbsp|"
               r"sachets?|lozenges?|pills?|injections?)")
_COUNT = re.compile(
    rf"(?<![\w.])(?:{_RANGE}|{_NUMBER_WORD}(?:\s*(?:-|to)\s*{_NUMBER_WORD})?)(?:\s*\(\d+\))?\s+{_COUNT_UNIT}\b",
    re.IGNORECASE)
_DOSE_LABEL = re.compile(rf"\bDOSE\s+({_AMOUNT}(?:\s*/\s*{_AMOUNT})*)")

_ROUTE = re.compile(
    r"\b(?:by mouth|per os|orally|oral|sublingual(?:ly)?|subcutaneous(?:ly)?|subcut|"
    r"intravenous(?:ly)?|intramuscular(?:ly)?|inhaled|by inhalation|via inhaler|nebuli[sz]ed|via nebuli[sz]er|"
    r"topical(?:ly)?|transdermal(?:ly)?|rectal(?:ly)?|per rectum|vaginal(?:ly)?|intranasal(?:ly)?|nasal(?:ly)?|"
    r"in (?:each|both|the (?:left|right|affected)) (?:eyes?|ears?|nostrils?)|ophthalmic|"
    r"(?:by |as an? )?injections?|via (?:PICC|G-?tube|J-?tube|NG tube|PEG)(?: line)?)\b"
    r"|(?<![\w.])p\.o\.|(?<![\w.])s\.c\.|\b(?:PO|SQ|SC|SL|IV|IVPB|IM|PR|NG|INH)\b",
    re.IGNORECASE)
_CASE_SENSITIVE_ROUTES = frozenset({"PO", "SQ", "SC", "SL", "IV", "IVPB", "IM", "PR", "NG", "INH"})

_FREQUENCY = re.compile(
    r"\b(?:once|twice|thrice|one time|two times|three times|four times|\d+\s*(?:x|times))\s*"
    r"(?:a|an|per|/|each|every)?\s*(?:day|daily|week|weekly|night|nightly|month|hour|wk|d)\b"
    r"|\b(?:once|twice)(?:\s+(?:daily|a day|nightly|weekly))?\b"
    r"|\b(?:daily|nightly|weekly|monthly|fortnightly|hourly|every other day|on alternate days|"
    r"every (?:morning|evening|night|day|week|month|other day))\b"
    r"|\bevery\s+\d+(?:\s*(?:-|–|to)\s*\d+)?\s*(?:hours?|hrs?|h|days?|weeks?|minutes?|mins?)\b"
    r"|\bq\.?\s?\d+(?:\s*[-–]\s*\d+)?\s*\.?\s*(?:h|hr|hrs|hours?|d|days?)\b\.?"
    r"|(?<![\w.])(?:q\.?d\.?|b\.?i\.?d\.?|t\.?i\.?d\.?|q\.?i\.?d\.?|q\.?h\.?s\.?|h\.?s\.?|q\.?a\.?m\.?|"
    r"q\.?p\.?m\.?|q\.?o\.?d\.?)(?![\w])"
    r"|\b(?:qday|qam|qpm|qhs|qod|OD|BD|BID|TID|QID|TDS|QDS|QHS|QD|nocte|mane|stat)\b"
    r"|\b\d+(?:\s*-\s*\d+)?\s*hourly\b"
    r"|\bat (?:bedtime|night|noon|breakfast|lunch|dinner|supper)\b|\bin the (?:morning|evening)\b"
    r"|\b(?:before|after|with) (?:meals|each meal|breakfast|dinner|supper|food)\b"
    r"|\b(?:a|per) (?:day|week)\b"
    r"|\bas (?:needed|required|directed)\b(?:\s+for\s+[^,.;()]+)?"
    r"|\bwhen required\b|(?<![\w.])p\.?r\.?n\.?(?![\w])(?:\s+(?:for\s+)?(?!plus\b)[a-z][^,.;()]*)?",
    re.IGNORECASE)
_FREQUENCY_GAP = re.compile(r"[\s,()]*(?:(?:and|or|then|take|when|if)\b)?[\s,()]*", re.IGNORECASE)

_NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|a|an)"
_DURATION = re.compile(
    r"\b(?:for|x)\s*(?:(?:the\s+)?(?:next|another|a total of|at least|up to|about|only)\s+)?"
    rf"(?:\d+(?:\s*(?:-|–|to)\s*\d+)?|{_NUMBER_WORDS})(?:\s*-\s*|\s+)?"
    r"(?:more\s+|additional\s+|further\s+)?(?:days?|weeks?|wks?|months?|doses?|dosages?|nights?)\b"
    r"(?:\s+(?:only|total|in total))?"
    r"|\btotal(?:\s+of)?\s+\d+\s+(?:doses?|dosages?|days?)\b"
    r"|\buntil\s+(?:your\s+|the\s+|next\s+)?(?:follow[- ]?up|seen|reviewed|told|cleared|finished|gone|"
    r"[a-z][^,.;()]{2,40})"
    r"|\b(?:while|whilst)\s+(?:on|taking|you (?:are )?tak(?:e|ing))\s+[^,.;()]+",
    re.IGNORECASE)

_EXPLICIT_STATUS = re.compile(
    r"\(\s*(new|changed?|stop(?:ped)?|continued?|hold|held|resumed?|discontinued?|increased|decreased|"
    r"reduced|restart(?:ed)?|start(?:ed)?|unchanged)\b(?!\s+(?:for|until|x\b|through|on\b))"
    r"|[:–—-]\s*(NEW|CHANGED?|STOP(?:PED)?|CONTINUED?|HOLD|HELD|RESUMED?|DISCONTINUED?)\b"
    r"|(?<![\w(])(NEW|CHANGED|STOP|STOPPED|CONTINUE|CONTINUED|DISCONTINUED|HOLD|RESUME|RESUMED)(?=\s*[.):;,]|\s*$)",
    re.IGNORECASE)
_WEAK_STOPPED = re.compile(r"\b(?:stop(?:ped)?(?:\s+taking)?|discontinue[ds]?|do not take|don't take|"
                           r"no longer take|on hold|held|hold (?:off|until|this|your|the)\b)", re.IGNORECASE)
_WEAK_CHANGED = re.compile(r"\b(?:increased?|decreased?|reduced?|changed?|adjusted)\s+(?:to|from|dose)\b"
                           r"|\bdose (?:increased|decreased|reduced|changed|adjusted)\b", re.IGNORECASE)
_WEAK_NEW = re.compile(r"\b(?:newly (?:started|prescribed)|start(?:ed)? (?:taking|on)|added|new prescription)\b",
                       re.IGNORECASE)
_WEAK_CONTINUED = re.compile(r"\b(?:continue[ds]?|resume[ds]?|restart(?:ed)?)\b(?!\s+(?:for|until|x)\b)"
                             r"|\bunchanged\b|\bno change\b", re.IGNORECASE)
_STATUS_WORDS = {
    "new": "new", "start": "new", "started": "new", "restart": "continued", "restarted": "continued",
    "change": "changed", "changed": "changed", "increased": "changed", "decreased": "changed",
    "reduced": "changed", "stop": "stopped", "stopped": "stopped", "discontinue": "stopped",
    "discontinued": "stopped", "hold": "stopped", "held": "stopped", "continue": "continued",
    "continued": "continued", "resume": "continued", "resumed": "continued", "unchanged": "continued",
}
_STATUS_HEADING = re.compile(
    r"(?:(?P<word>new|changed?|stop(?:ped)?|discontinued|continued?|resumed?|unchanged|held|hold|start(?:ed)?)"
    r"(?:\s+(?:medications?|medicines?|meds|prescriptions?|drugs?))?"
    r"|(?:medications?|medicines?|meds)\s+(?:to\s+)?(?P<word2>stop|start|continue|change|hold|resume)"
    r"|(?P<word3>start|stop|continue|change|resume)\s+(?:taking|how you take)\s+(?:these|the following)"
    r"\s+(?:medications?|medicines?))\s*:?",
    re.IGNORECASE)

# Words that may precede a drug name in a sentence and are not part of it.
_LEADING_WORDS = frozenset(
    "the a an patient patients pt he she they we you your his her their will would was were is are be been "
    "being to take taking finish finishing continue continued continues resume resumed start started begin "
    "sent home on given give prescribed prescription prescriptions for with and also then plus has have had "
    "please should may can also discharged discharge go going needs need must use using apply new old "
    "other also as of put kept placed keep".split())
_TRAILING_WORDS = frozenset(
    "tablet tablets tab tabs capsule capsules cap caps dose doses tapering taper to be of and or the a an "
    "with on for take".split())
# A part of a run-on sentence starting with one of these continues the drug before it.
_NOT_A_DRUG_START = _LEADING_WORDS | frozenset(
    "dispense disp qty quantity refill refills sig then one two three four half not no max maximum up "
    "every each without at in by until if do don't avoid hold stop inhaled orally oral by mouth po p.o. "
    "iv im sq sc topical nebulized twice once daily as when after before while whilst total which that "
    "who this these those it its can may chewable tablet tablets capsule capsules solution powder suspension "
    "cream ointment elixir syrup extended delayed sustained release disp refills".split())
_NON_DRUG_WORDS = frozenset(
    "patient patients diet fluid fluids water activity activities walk walking weight lift lifting "
    "temperature fever pain medication medications meds medicine medicines discharge instructions follow "
    "followup appointment appointments blood test tests x-ray oxygen lb lbs pounds kg days weeks "
    "months hours minutes diabetic education none nil previously above below mentioned usual current "
    "preoperative included including includes list see same regimen therapy care instructions".split())
_NAME_ONLY_STOP = _NON_DRUG_WORDS | frozenset(
    "as the his her their other all any per was were is are will can may no not and or of to "
    "above below".split())
_SUPPLIES = re.compile(r"^(?:diabetic\s+|medical\s+)?(?:supplies|equipment|devices?|dressings? supplies)\s*:",
                       re.IGNORECASE)
_MED_WORD = re.compile(r"\b(?:medications?|medicines?|meds|prescriptions?|drugs)\b", re.IGNORECASE)
_ADMISSION_WORD = re.compile(r"\b(?:on|at|before|prior to|upon)\s+admission\b|\bpre-?admission\b|"
                             r"\badmission medications?\b|\bhome medications? (?:were|are|included)\b",
                             re.IGNORECASE)
_DISCHARGE_WORD = re.compile(r"\bdischarg\w*|\bsent home\b|\bgo(?:ing)? home\b|\btake home\b|\bat home\b",
                             re.IGNORECASE)


# --------------------------------------------------------------------------- medications

def _first(pattern: re.Pattern, text: str, start: int = 0):
    for match in pattern.finditer(text, start):
        if pattern is _ROUTE:
            found = match.group()
            if found.upper() in _CASE_SENSITIVE_ROUTES and found != found.upper():
                continue   # "po" or "iv" inside ordinary words is not a route; "PO"/"IV" is
        return match
    return None


def _dose(text: str, start: int = 0) -> tuple[int, int, str] | None:
    """(start, end, dose text): a labelled DOSE, else the first strength (40 mg), else a count (2 puffs)."""
    for pattern, group in ((_DOSE_LABEL, 1), (_STRENGTH, 0), (_COUNT, 0)):
        match = pattern.search(text, start)
        if match:
            return match.start(), match.end(), " ".join(match.group(group).split())
    return None


def _frequency(text: str, start: int) -> tuple[int, str] | None:
    matches = [m for m in _FREQUENCY.finditer(text, start)]
    if not matches:
        return None
    first = matches[0]
    begin, end = first.start(), first.end()
    for following in matches[1:]:
        gap = text[end:following.start()]
        if following.start() < end:
            continue
        if _FREQUENCY_GAP.fullmatch(gap):
            end = following.end()
        else:
            break
    value = text[begin:end]
    if value.count("(") > value.count(")") and text[end:end + 1] == ")":
        value += ")"
    value = value.strip(" ,;")
    while value.count(")") > value.count("(") and value.endswith(")"):
        value = value[:-1].rstrip()
    while value.count("(") > value.count(")"):
        value = value[:value.rfind("(")].rstrip(" ,")
    if value.endswith(".") and not re.search(r"\.[A-Za-z]\.$", value):   # keep the dot of "b.i.d."
        value = value[:-1]
    return begin, value.rstrip(" ,;")


def _status(text: str, default: str | None) -> str | None:
    explicit = _EXPLICIT_STATUS.search(text)
    if explicit:
        word = next(group for group in explicit.groups() if group).lower()
        return _STATUS_WORDS.get(word, _STATUS_WORDS.get(word.rstrip("d"), default))
    clause_end = re.search(r"[,;]|\s+and\s+to\s", text)   # weak words count only in the drug's own clause
    text = text[:clause_end.start()] if clause_end else text
    if _WEAK_STOPPED.search(text):
        return "stopped"
    if _WEAK_CHANGED.search(text):
        return "changed"
    if default:
        return default
    if _WEAK_NEW.search(text):
        return "new"
    if _WEAK_CONTINUED.search(text):
        return "continued"
    return None


_NAME_ANCHOR = re.compile(
    r"\s[—–-]\s|[,;:]|\bSig\b|\s(?:to|that|which|who|for|x)\s|\b(?:increased|decreased|reduced|changed|"
    r"stop|stopped|discontinued?|hold|held)\b|\(\s*(?:new|changed?|stop|continued?|hold)\b",
    re.IGNORECASE)


def _clean_name(raw: str) -> str:
    words = raw.replace("\n", " ").split()
    while words and words[0].lower().strip(".,;:") in _LEADING_WORDS:
        words.pop(0)
    while words and words[-1].lower().strip(".,;:") in _TRAILING_WORDS:
        words.pop()
    name = " ".join(words).strip(" ,;:-—–")
    if name.count("(") > name.count(")"):
        name = name[:name.rfind("(")].rstrip()
    return name


def _name_ok(name: str, max_words: int) -> bool:
    if not name or not re.match(r"[A-Za-z0-9]", name) or not re.search(r"[A-Za-z]{2}", name):
        return False
    words = name.split()
    if len(words) > max_words or name.endswith(":"):
        return False
    return not any(word.lower().strip(".,;:()") in _NON_DRUG_WORDS for word in words)


@dataclass
class _MedFields:
    name: str
    dose: str | None = None
    route: str | None = None
    frequency: str | None = None
    duration: str | None = None
    status: str | None = None
    text: str = ""


def _parse_med(part: str, strict: bool, status_default: str | None, name_only_ok: bool) -> _MedFields | None:
    """One drug from one line (or part of a run-on line); None when it is not a medication."""
    text = part.strip(" ,;")
    if not text or text.endswith(":"):
        return None
    if _SUPPLIES.match(text):
        return None if strict else _MedFields(name=text.rstrip("."), status=status_default, text=text)
    dose = _dose(text)
    route = _first(_ROUTE, text)
    frequency = _frequency(text, 0)
    anchors = [position for position in (dose[0] if dose else None, route.start() if route else None,
                                         frequency[0] if frequency else None) if position is not None]
    anchor = _NAME_ANCHOR.search(text)
    if anchor and anchor.start() > 0:
        anchors.append(anchor.start())
    if not (dose or route or frequency):
        # A bare name ("Glucagon emergency kit", "Coumadin: resume"), where a list item may be one.
        if strict or not name_only_ok:
            return None
        name = _clean_name(text[:anchor.start()] if anchor and anchor.start() > 0 else text.rstrip("."))
        words = name.split()
        if not name or len(words) > 5 or any(w.lower().strip(".,;:()") in _NAME_ONLY_STOP for w in words):
            return None
        if not _name_ok(name, 5) or name.lower().strip(". ") in ("none", "nil", "n/a", "na"):
            return None
        return _MedFields(name=name, status=_status(text, status_default), text=text)
    name = _clean_name(text[:min(anchors)])
    if strict and not (dose and (route or frequency)):
        return None
    if not _name_ok(name, 4 if strict else 7):
        return None
    duration = _DURATION.search(text, max(text.find(name), 0) + len(name))
    return _MedFields(
        name=name,
        dose=dose[2] if dose else None,
        route=_clean_field(route.group()) if route else None,
        frequency=frequency[1] if frequency else None,
        duration=_clean_field(duration.group()) if duration else None,
        status=_status(text, status_default),
        text=text,
    )


def _clean_field(value: str) -> str:
    return " ".join(value.split()).strip(" ,;:")


_PART_SPLIT = re.compile(r"\s*(?:,|;)\s+(?:and\s+)?|\s+and\s+(?=[A-Z])|,\s*and\s+")


def _starts_drug(part: str) -> bool:
    words = part.split()
    if not words:
        return False
    first = words[0].lower().strip(".,;:()")
    if first in _NOT_A_DRUG_START or not re.match(r"[A-Za-z]", first):
        return False
    head = " ".join(words[:8])
    return bool(_dose(head) or _first(_ROUTE, head) or _FREQUENCY.search(head))


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
        if _starts_drug(text[sep_end:part_end.get(sep_end, len(text))]):
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
    if _dose(text) or _first(_ROUTE, text) or _FREQUENCY.search(text):
        return None
    names = [name.strip(" .") for name in re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", text)]
    names = [name for name in names if name]
    if len(names) < 2:
        return None
    for name in names:
        words = name.split()
        if len(words) > 4 or any(w.lower().strip("().") in _NAME_ONLY_STOP for w in words) \
                or not _name_ok(name, 4):
            return None
    return names


def _medications_in(text: str, strict: bool, status_default: str | None, is_item: bool) -> list[_MedFields]:
    if not strict:
        names = _name_list(text.rstrip("."))
        if names:
            status = _status(text, status_default)
            return [_MedFields(name=name, status=status, text=text) for name in names]
    if _SUPPLIES.match(text):
        found = _parse_med(text, strict, status_default, True)
        return [found] if found else []
    meds = []
    for part in _med_parts(text):
        found = _parse_med(part, strict, status_default, name_only_ok=is_item)
        if found:
            meds.append(found)
    if meds and len(meds) == 1:
        meds[0].text = text   # one drug on the line: quote the whole line
    return meds


# ---- medication forms (PRSB eDischarge style: "Medication name X", "Route Oral", "Dose amount 30mg")

_FORM_LABELS = (
    ("name", re.compile(r"^(?:medication|medicine|drug)\s+name\s*:?\s*(?P<value>.+)$", re.IGNORECASE)),
    ("stopped", re.compile(r"^name of (?:discontinued|stopped) (?:medication|medicine|drug)\s*:?\s*(?P<value>.+)$",
                           re.IGNORECASE)),
    ("route", re.compile(r"^route\s*:?\s*(?P<value>.+)$", re.IGNORECASE)),
    ("frequency", re.compile(r"^(?:dose timing|timing|frequency|directions)\s*:?\s*(?P<value>.+)$",
                             re.IGNORECASE)),
    ("dose", re.compile(r"^(?:dose amount|dose|dosage|strength)\s*:?\s*(?P<value>.+)$", re.IGNORECASE)),
    ("duration", re.compile(r"^duration\s*:?\s*(?P<value>.+)$", re.IGNORECASE)),
    ("amendment", re.compile(r"^(?:description of amendment|amendment|change|status)\s*:?\s*(?P<value>.+)$",
                             re.IGNORECASE)),
)


def _form_field(text: str) -> tuple[str, str] | None:
    for field, pattern in _FORM_LABELS:
        match = pattern.match(text)
        if match:
            return field, match.group("value").strip()
    return None


def _amendment_status(value: str) -> str | None:
    lowered = value.lower()
    if re.search(r"\b(?:stop|stopped|discontinu|withheld|held|suspended)", lowered):
        return "stopped"
    if re.search(r"\b(?:increas|decreas|reduc|chang|adjust|amend)", lowered):
        return "changed"
    if re.search(r"\b(?:added|new|start)", lowered):
        return "new"
    if re.search(r"\b(?:continu|unchanged|no change)", lowered):
        return "continued"
    return None


# --------------------------------------------------------------------------- categories

_WARNING = re.compile(
    r"\bemergency\s+(?:room|department|services|number|care|unit)\b|\b(?:call|dial|phone)\s+(?:9-?1-?1|999|112)\b"
    r"|\b911\b|\b(?:ER|ED|A&E)\b|\burgent(?:ly)?\b|\bimmediately\b|\bright away\b|\bat once\b"
    r"|\bseek\s+(?:\w+\s+)?(?:medical|help|care|attention|advice|review)"
    r"|\b(?:call|contact|notify|phone|ring|tell|refer back to|return)\b(?:[^.;]|(?<=\bDr)\.){0,80}?\b(?:if|should)\b"
    r"|\b(?:call|contact|notify|return)\b(?:[^.;]|(?<=\bDr)\.){0,40}?\bfor\s+(?:any\s+|new\s+|worse\w*\s+|increas\w+\s+)"
    r"(?:\w+\s+){0,3}?(?:pain|fever|bleeding|shortness|swelling|redness|drainage|symptoms?|problems?|"
    r"vomiting|temperature|chest|breath\w*|confusion|dizziness|weakness)"
    r"|\b(?:fever|temperature)\s*(?:of\s*)?(?:>|≥|over|above|greater than|higher than|more than)"
    r"|\bwarning signs?\b|\bsigns? of (?:infection|bleeding|a blood clot|blood clot|stroke|heart attack)",
    re.IGNORECASE)
_FOLLOW_UP = re.compile(
    r"\bfollow[\s-]*up\b|\bfollowup\b|\bf/u\b|\bappointments?\b|\bappt\b|\breturn (?:to see|to clinic|visit)\b"
    r"|\b(?:see|seen by|visit|recheck with|follow(?:ed)? up with)\s+(?:Dr\b|Doctor\b|(?:your|his|her|their|the|a) "
    r"(?:(?:primary|regular|family|own|usual)\s+(?:care\s+)?)?(?:doctor|GP|PCP|surgeon|physician|provider|"
    r"specialist|dentist|clinic|team|nurse)\b)"
    r"|\b(?:recheck|re-?evaluation|reevaluat\w*|return)\s+(?:at|in|within|tomorrow|next)\b"
    r"|\bbe seen\b|\breferr(?:al|ed)\b|\bwill see\b",
    re.IGNORECASE)
_CLINIC = re.compile(r"\b(?:clinic|office)\b", re.IGNORECASE)
_WHO_WORD = re.compile(
    r"\b(?:Dr|Doctor|Mr|Mrs|Ms|Miss|PCP|GP|[A-Z][a-z]+ology)\b"
    r"|\b(?i:clinic|provider|physician|doctor|surgeon|specialist|nurse|therap(?:y|ist)|physio\w*|educator|"
    r"referral|rehab\w*|program|programme|team|office|consultant|cardiology|neurology|oncology|hematology|"
    r"haematology|urology|endocrinology|ophthalmology|orthopa?edics|gastroenterology|pulmonology|nephrology|"
    r"dermatology|psychiatry|primary care|surgery)\b")
_TESTS = re.compile(
    r"\b(?:blood tests?|blood work|bloods|labs?|lab work|laboratory|tests?|x-?rays?|scans?|"
    r"(?-i:CXR|CT|MRI|ECG|EKG|INR|CBC|BMP|CMP|UA|DXA|DEXA|PFTs?)|"
    r"ultrasound|echo(?:cardiogram)?|potassium|creatinine|electrolytes|"
    r"urinalysis|urine (?:test|culture)|cultures?|serolog\w*|biopsy|pathology|pending|monitor(?:ing)?|"
    r"check (?:your |her |his )?(?:weight|blood|sugar|glucose|pressure|BP|INR|levels?)|"
    r"glucose (?:checks?|monitoring)|blood (?:sugar|glucose|pressure) (?:checks?|monitoring)|spirometry|"
    r"Holter|colonoscopy|endoscopy|mammogram)\b",
    re.IGNORECASE)
_WOUND = re.compile(
    r"\b(?:wounds?|incisions?|dressings?|staples?|stitches|sutures?|steri-?strips?|drains?|bandages?|scar|"
    r"surgical sites?|Aquacel|pin sites?|splint|cast|stoma|packing)\b",
    re.IGNORECASE)
_DIET = re.compile(
    r"\b(?:diet|dietary|eat|eating|food|foods|meals?|snacks?|drink|drinks|drinking|fluids?|liquids?|water|"
    r"salt|sodium|sugar|sugary|carbohydrates?|carbs?|fib(?:er|re)|alcohol|caffeine|calories|nutrition|"
    r"breast-?feed\w*|bottle-?feed\w*|formula|oral intake|NPO|appetite|protein|cholesterol|hydration|"
    r"weigh yourself|breakfast|lunch|dinner)\b",
    re.IGNORECASE)
_ACTIVITY = re.compile(
    r"\b(?:activit(?:y|ies)|active|walk\w*|exercis\w*|driv\w*|lift\w*|carry\w*|push|pull|work|job|school|"
    r"sports?|bed ?rest|rest|stairs|climb\w*|weight[- ]bearing|non-?weight-?bearing|ambulat\w*|walker|cane|"
    r"crutches|kneel\w*|bend\w*|sex\w*|intercourse|pelvic rest|travel\w*|shower\w*|bath\w*|swim\w*|tub|"
    r"physical therapy|occupational therapy|(?-i:PT|OT)|rehab\w*|mobility|fall prevention|falls?|smok\w*|"
    r"strenuous|elevat\w*|crossing legs|sleep|stand(?:ing)?|sit(?:ting)?|hand wash\w*|hand-washing|infants|"
    r"contact with)\b",
    re.IGNORECASE)
_TEST_CUE = re.compile(
    r"\b(?:repeat|recheck|re-check|check(?:ed)?|draw|drawn|obtain|schedul\w*|arrang\w*|book\w*|monitor\w*|"
    r"follow[\s-]*up on|pending|will|should|needs? to|to be (?:done|checked|repeated|drawn)|prior to|before|"
    r"please|have (?:a|your)|get (?:a|your)|after discharge)\b"
    r"|\b(?:in|within)\s+(?:\d+|one|two|three|four|six|a)\s+(?:days?|weeks?|months?)\b",
    re.IGNORECASE)
_PATTERNS = {"warning_signs": _WARNING, "follow_up": _FOLLOW_UP, "tests": _TESTS, "wound_care": _WOUND,
             "diet": _DIET, "activity": _ACTIVITY}
_PRIORITY = ("warning_signs", "follow_up", "tests", "wound_care", "diet", "activity")
_DEDICATED = {"Follow-up": "follow_up", "Tests": "tests", "Diet": "diet", "Activity": "activity",
              "Wound Care": "wound_care", "Warning Signs": "warning_signs"}

# Reports of teaching rather than instructions ("Family counseled on diabetes care").
_EDUCATION_REPORT = re.compile(
    r"\b(?:educated|counsel(?:l)?ed|counsel(?:l)?ing (?:was )?(?:given|provided)|discussed|reviewed with|"
    r"reinforced|demonstrated|emphasi[sz]ed|understands|understood|agreed|verbali[sz]ed|were answered|"
    r"was given (?:written|full|complete|verbal|oral)|given (?:written |verbal |oral )?instructions|"
    r"materials? (?:and [\w ]+ )?provided|questions were answered)\b",
    re.IGNORECASE)
# Hospital-course sentences that speak about after discharge.
_PLAN_MOOD = re.compile(
    r"\b(?:is|are) to (?!be (?:admitted|transferred)\b)|\bwill (?:follow|see|need|be seen|return|continue|"
    r"start|have|get|call|notify)\b|\b(?:is|was|were|has been|have been) (?:instructed|advised|told|asked)\b"
    r"|\binstructed (?:her|him|them|the patient)\b|\bshould (?!have\b)|\bneeds? to\b|\bmust\b"
    r"|\bto follow[\s-]*up\b|\bfollow[\s-]*up (?:is|was|will be) (?:in|with|arranged)\b"
    r"|\bdischarged (?:home )?to follow\b|\bis recommended\b|\b(?:to|should) (?:call|return)\b",
    re.IGNORECASE)
_CONSENT = re.compile(r"\b(?:understands|understood|agreed|in agreement|questions were answered|"
                      r"verbali[sz]ed understanding)\b", re.IGNORECASE)
_NONE_ITEM = re.compile(
    r"^(?:none|nil|n/?a|not applicable|nil relevant|none (?:given|required|arranged|planned)|not required|"
    r"no|nothing)\.?$|^(?:\w+\s+){0,3}no\s+(?:\w+\s+){0,2}(?:requested|required|arranged|planned|needed)\.?$",
    re.IGNORECASE)


def _hits(text: str) -> dict[str, int]:
    return {category: len(pattern.findall(text)) for category, pattern in _PATTERNS.items()}


def _category(text: str, origin: str | None) -> str | None:
    """The one category an item belongs to; origin is the category of its section (None: instructions)."""
    hits = _hits(text)
    has_who = bool(_WHO_WORD.search(text))
    if origin == "warning_signs":
        return origin
    if origin == "follow_up":
        if hits["warning_signs"] and not (hits["follow_up"] and has_who):
            return "warning_signs"
        if hits["tests"] and not has_who:
            return "tests"
        if hits["follow_up"] or has_who or _WHEN.search(text):
            return origin
        others = [category for category in _PRIORITY if hits[category]]
        if others:
            return others[0]   # not an appointment ("Keep the incision dry" under Follow-up): where it belongs
        return origin if _SPAN_OF_TIME.search(text) else None
    if origin is not None:
        if hits[origin]:
            return origin
        others = [category for category in _PRIORITY if hits[category]]
        return others[0] if others else origin
    # Free text (instructions): the most specific category with a match.
    if hits["warning_signs"]:
        return "warning_signs"
    when = _WHEN.search(text)
    if hits["follow_up"] or (_CLINIC.search(text) and when):
        if has_who or when or not hits["tests"]:
            return "follow_up"
        return "tests"
    if hits["tests"] and not _TEST_CUE.search(text):
        hits["tests"] = 0   # "her potassium had risen": a result, not a test to do
    for category in ("tests", "wound_care", "diet", "activity"):
        if hits[category]:
            return category
    return None


_CLAUSE_SPLIT = re.compile(r"(?:,|;)\s+(?:but\s+|and\s+)?")
_SPAN_OF_TIME = re.compile(r"\b\d+(?:\s*(?:-|–|to)\s*\d+)?\s*(?:days?|weeks?|wks?|months?)\b|\bnext (?:week|month)\b|"
                           r"\btomorrow\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", re.IGNORECASE)


def _free_text_items(text: str) -> list[tuple[str, str]]:
    """(category, text) for one instruction sentence; clauses about different things are split apart."""
    if _EDUCATION_REPORT.search(text):
        return []
    whole = _category(text, None)
    if whole is None:
        return []
    bounds = [0] + [m.end() for m in _CLAUSE_SPLIT.finditer(text)] + [len(text)]
    clauses = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    if len(clauses) < 2 or whole in ("warning_signs", "follow_up"):
        return [(whole, text)]
    def label(clause: str) -> str | None:
        clause = re.sub(r"^(?:and|but|or)\s+|[,;]\s*(?:and|but|or)?\s*$", "", clause.strip())
        if len(clause.split()) < 2 or clause[:1].isdigit():
            return None   # "exercise" in a list, or "7/14/2031 ...": not a clause of its own
        return _category(clause, None)

    labelled = [(label(text[a:b]), a, b) for a, b in clauses]
    if len({label for label, _, _ in labelled if label}) < 2:
        return [(whole, text)]
    groups: list[list] = []
    for label, a, b in labelled:
        if groups and (label is None or label == groups[-1][0]):
            groups[-1][2] = b
        elif not groups and label is None:
            groups.append([None, a, b])
        elif groups and groups[-1][0] is None:
            groups[-1][0], groups[-1][2] = label, b
        else:
            groups.append([label, a, b])
    return [(label, text[a:b].strip(" ,;")) for label, a, b in groups if label]


# --------------------------------------------------------------------------- appointments

_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_TIME = r"(?:,?\s*(?:at|@)\s*\d{1,2}(?::\d{2})?\s*(?:[ap]\.?\s?m\.?|AM|PM)?|\s+\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?|AM|PM)?)"
_DATE = (rf"(?:(?:{_WEEKDAY}),?\s+(?:the\s+)?)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"
         rf"|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?|\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}-[A-Z][a-z]{{2}}-\d{{4}})")
_RELATIVE = (r"(?:in|within|after)\s+(?:about\s+|approximately\s+|roughly\s+|the\s+next\s+|another\s+)?"
             r"(?:\d+(?:\s*(?:-|–|to)\s*\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|"
             r"a|an|a few|several|1-2|one to two|two to three)\s+(?:days?|weeks?|months?|years?)"
             r"(?:\s+and\s+a\s+half)?(?:['’]s?\s+time)?")
_WHEN = re.compile(
    rf"(?:(?:starting|from|beginning|on|next)\s+)?{_DATE}{_TIME}?"
    rf"|(?:on\s+)?{_WEEKDAY}{_TIME}?"
    rf"|{_RELATIVE}"
    r"|\b(?:tomorrow|today|next week|next month|this week)\b"
    r"|^\d+(?:\s*(?:-|–|to)\s*\d+)?\s+(?:days?|weeks?|months?)(?=\s*[-–—:])"
    r"|\b\d+\s*(?:x|times)\s*(?:/|a|per)\s*week(?:\s+for\s+\d+\s+weeks?)?",
    re.IGNORECASE)
_DOCTOR = re.compile(r"\b(?:Dr|Doctor)\.?\s+(?:[A-Z][\w'’-]*\.?(?:\s+|$)){1,3}(?:\([^()]{2,40}\))?")
_WITH_WHO = re.compile(
    r"\b(?:with|see|seen by|to see|return to see|referral (?:made )?to|referred to|visit)\s+"
    r"(?P<who>(?:the\s+)?[A-Za-z][^,.;:()]*?)(?=\s+(?:(?:in|on|at|for|to|within|tomorrow|today|next|after|"
    r"prn|as|once|when|starting|plus)\b|p\.r\.n\.)|[,.;:(]|$)",
    re.IGNORECASE)
_LEADING_WHO_STOP = re.compile(
    r"\s+(?:in|on|at|for|within|starting|tomorrow|today|next|after)\b|:|\s*\(|,|\s[-–—]\s|\s+\d")
_WHO_FIELD = re.compile(
    r"^(?:provider|doctor|physician|clinician|consultant|appointment with|with|see)\s*:\s*"
    r"(?P<who>.+?)(?=\s+[A-Za-z/ ]{2,20}:|$)", re.IGNORECASE)
_TITLE_DOT = re.compile(r"\b(Dr|Drs|Mr|Mrs|Ms|St|Prof)\.")
_NOT_WHO = re.compile(r"\b(?:is|are|was|were|be|been|will|would|given|decided|understands|has|have|had|to|"
                      r"should|can|may|must|needs?|discharge plans?)\b", re.IGNORECASE)
_VERB_START = re.compile(
    r"^(?:follow|see|return|call|contact|make|schedule|book|arrange|recommend|please|she|he|they|the patient|"
    r"patient|you|your|we|i|to|go|attend|keep|continue|have|get)\b",
    re.IGNORECASE)
_PURPOSE = re.compile(
    r"\bfor\s+(?!(?:\d|one|two|three|four|five|six|a\s+(?:day|week|month))\b)(?P<for>[^.,;()]+)"
    r"|\bto\s+(?P<to>(?:check|review|discuss|monitor|remove|assess|evaluate|repeat|recheck|have|get|start|"
    r"adjust|titrate|reassess)\b[^.;()]*)"
    r"|\((?P<paren>[^()]{3,60})\)\s*\.?$",
    re.IGNORECASE)


def _appointment(text: str) -> tuple[str | None, str | None, str | None]:
    when_match = _WHEN.search(text)
    when = _clean_field(when_match.group()) if when_match else None
    if when and when.endswith(".") and not re.search(r"[ap]\.m\.$", when, re.IGNORECASE):
        when = when[:-1]
    if when:
        when = re.sub(r"^(?:on|in\s+(?=the\b))\s+", "", when, flags=re.IGNORECASE)
    who = None
    masked = _TITLE_DOT.sub(lambda m: m.group(1) + "\u2024", text)   # "Dr." must not end the name
    dash = re.match(r"^\s*\d+(?:\s*(?:-|–|to)\s*\d+)?\s+(?:days?|weeks?|months?)\s*[-–—:]\s*(?P<who>.+)$", text,
                    re.IGNORECASE)
    field = _WHO_FIELD.search(text)
    if dash:
        who = dash.group("who").strip(" .")
    elif field:
        who = field.group("who").strip(" ,.")
    elif ":" in text[:90] and _WHEN.search(text.split(":", 1)[1]) and _WHO_WORD.search(text.split(":", 1)[0]):
        who = text.split(":", 1)[0].strip()
    elif not _VERB_START.match(text):
        stop = _LEADING_WHO_STOP.search(text)
        candidate = text[:stop.start()] if stop else text
        note = re.match(r"\s*\([^()\d]{2,40}\)", text[len(candidate):]) if stop else None
        if note and len(note.group().split()) <= 4:
            candidate += note.group()
        candidate = candidate.strip(" .")
        if candidate and len(candidate.split()) <= 8 and _WHO_WORD.search(candidate) \
                and not _NOT_WHO.search(candidate):
            who = candidate
    if who is None:
        doctor = _DOCTOR.search(text)
        with_who = _WITH_WHO.search(masked)
        if with_who:
            candidate = text[with_who.start("who"):with_who.end("who")].strip()
            if candidate.lower() not in ("me", "us", "the office", "office", "my office") \
                    and len(candidate.split()) <= 8 and (_WHO_WORD.search(candidate) or candidate[:1].isupper()) \
                    and not _NOT_WHO.search(candidate):
                who = candidate
        if who is None and doctor:
            who = doctor.group().strip()
    if who:
        who = re.sub(r"\s*\[\*\*[^\]]*$", "", who)   # a cut-off MIMIC placeholder "[**Last Name"
        who = re.sub(r"\s+(?:Dr|Doctor)\.?$", "", who)
        who = re.sub(r"\s+(?:in the office|in clinic|in my office)$", "", who).strip(" ,")
        who = re.sub(r"^the\s+", "", who)
    purpose = None
    for match in _PURPOSE.finditer(text):
        value = match.group("for") or match.group("to") or match.group("paren")
        if not value:
            continue
        if match.group("paren") and _WHEN.search(value):
            continue
        value = _WHEN.sub("", value) if match.group("for") or match.group("to") else value
        value = _clean_field(re.sub(r"\s+(?:and|or|at|on|in)$", "", _clean_field(value)))
        if value and not _WHEN.fullmatch(value) and len(value) >= 3:
            purpose = value
            break
    return who or None, when or None, purpose


# --------------------------------------------------------------------------- section roles

_HISTORY = frozenset({"Chief Complaint", "History of Present Illness", "Past Medical History", "Social History",
                      "Family History", "Review of Systems", "Physical Examination", "Allergies",
                      "Admission Medications", "Admission Diagnosis"})
_AFTER_COURSE = frozenset({"Hospital Course", "Consultations", "Complications", "Condition at Discharge",
                           "Disposition", "Discharge Instructions", "Follow-up", "Diet", "Activity",
                           "Wound Care", "Warning Signs", "Tests", "Discharge Medications"})


def _is_discharge_list(document: Document, index: int) -> bool:
    """Is the 'Medications' section at index the discharge list (not the medicines taken before admission)?"""
    section = document.sections[index]
    body = document.text[section.start:section.end]
    head = body[:300]
    if _ADMISSION_WORD.search(section.title) or _ADMISSION_WORD.search(head):
        return False
    if _DISCHARGE_WORD.search(section.title) or _DISCHARGE_WORD.search(head):
        return True
    for earlier in reversed(document.sections[:index]):
        if earlier.name in _HISTORY:
            return False
        if earlier.name in _AFTER_COURSE:
            return True
    return not any(s.name == "Discharge Medications" for s in document.sections)


def _section_status(section: Section) -> str | None:
    match = _STATUS_HEADING.fullmatch(section.title.strip()) if section.title else None
    return _heading_status(match) if match else None


def _heading_status(match: re.Match) -> str | None:
    word = (match.group("word") or match.group("word2") or match.group("word3") or "").lower()
    if word in ("start", "started"):
        return "new"
    return _STATUS_WORDS.get(word) or _STATUS_WORDS.get(word + "d")


def _lead_in(text: str) -> str | None:
    """A line introducing a medication list: 'admission', a status, 'discharge', or None."""
    if not text.rstrip().endswith(":") or not _MED_WORD.search(text):
        return None
    if _ADMISSION_WORD.search(text) and not _DISCHARGE_WORD.search(text):
        return "admission"
    status = _status(text, None)
    if status:
        return status
    return "discharge" if _DISCHARGE_WORD.search(text) else "list"


# --------------------------------------------------------------------------- extraction

class _Collector:
    def __init__(self) -> None:
        self.medications: list[Medication] = []
        self.items: dict[str, list] = {category: [] for category in CATEGORIES}
        self._seen: set[tuple[str, str]] = set()

    def medication(self, fields: _MedFields, unit: _Unit) -> None:
        key = ("med", f"{fields.name.lower()}|{(fields.dose or '').lower()}|{fields.text.lower()}")
        if key in self._seen:
            return
        self._seen.add(key)
        self.medications.append(Medication(
            name=fields.name, dose=fields.dose, route=fields.route, frequency=fields.frequency,
            duration=fields.duration, status=fields.status, text=fields.text,
            section=unit.section.name, page=unit.page))

    def item(self, category: str | None, text: str, unit: _Unit) -> None:
        text = text.strip()
        if category is None or (category == "follow_up" and text.endswith(":")):
            return   # belongs to no part of the plan, or only introduces what follows
        if not re.search(r"[A-Za-z]{2}", text) or _NONE_ITEM.match(text) or _CONSENT.search(text):
            return
        key = (category, text.lower())
        if key in self._seen:
            return
        self._seen.add(key)
        if category == "follow_up":
            who, when, purpose = _appointment(text)
            self.items[category].append(Appointment(who=who, when=when, purpose=purpose, text=text,
                                                    section=unit.section.name, page=unit.page))
            if _conditional_warning(text):   # "return to clinic in 5 days if the fever comes back": both
                self.items["warning_signs"].append(PlanItem(text=text, section=unit.section.name, page=unit.page))
        else:
            self.items[category].append(PlanItem(text=text, section=unit.section.name, page=unit.page))

    def free_text(self, unit: _Unit) -> None:
        for category, text in _free_text_items(unit.text):
            self.item(category, text, unit)


def extract_plan(document: Document) -> DischargePlan:
    """The discharge plan of a summary (see the module docstring for where each part comes from)."""
    units = _units(document)
    collector = _Collector()
    med_sections = {index for index, section in enumerate(document.sections)
                    if section.name == "Discharge Medications"
                    or (section.name == "Medications" and _is_discharge_list(document, index))}

    by_section: dict[int, list[_Unit]] = {}
    for unit in units:
        by_section.setdefault(unit.index, []).append(unit)

    for index, section in enumerate(document.sections):
        section_units = by_section.get(index, [])
        if index in med_sections:
            _medication_section(section, section_units, collector)
        elif section.name in _DEDICATED:
            for unit in section_units:
                if unit.text.endswith(":") and _MED_WORD.search(unit.text) and not _WARNING.search(unit.text):
                    continue
                collector.item(_category(unit.text, _DEDICATED[section.name]), unit.text, unit)
        elif section.name == "Discharge Instructions":
            _instruction_section(section_units, collector)
        elif section.name == "Hospital Course":
            for unit in section_units:
                if _PLAN_MOOD.search(unit.text) and not _dose(unit.text):
                    collector.free_text(unit)
                elif _conditional_warning(unit.text):
                    collector.item("warning_signs", unit.text, unit)
        elif section.name in _NARRATIVE:
            for unit in section_units:
                if _conditional_warning(unit.text):
                    collector.item("warning_signs", unit.text, unit)

    if not collector.medications:   # last resort: "His medication on discharge was:" followed by a list
        for index, section in enumerate(document.sections):
            if section.name in _HISTORY or index in med_sections:
                continue
            _lead_in_lists(by_section.get(index, []), collector, require_discharge=True)

    items = collector.items
    return DischargePlan(
        medications=tuple(collector.medications),
        follow_up=tuple(items["follow_up"]),
        tests=tuple(items["tests"]),
        diet=tuple(items["diet"]),
        activity=tuple(items["activity"]),
        wound_care=tuple(items["wound_care"]),
        warning_signs=tuple(items["warning_signs"]),
    )


# Sections that tell the story rather than the plan, where a "come back if ..." sentence may still hide.
_NARRATIVE = frozenset({"Overview", "Disposition", "Condition at Discharge", "Discharge Diagnosis", "Notes"})


def _conditional_warning(text: str) -> bool:
    """ "If she develops any vomiting, she should be brought back", "return if the pain gets worse"."""
    return bool(re.search(r"\bif\b", text, re.IGNORECASE)) and bool(
        _WARNING.search(text) or re.search(r"\b(?:brought back|come back|go back|be seen|see (?:a|the|your) doctor|"
                                           r"recheck|re-?evaluat\w*|seen again)\b", text, re.IGNORECASE))


def _medication_section(section: Section, units: list[_Unit], collector: _Collector) -> None:
    status = _section_status(section)
    form: dict | None = None
    form_unit: _Unit | None = None
    form_lines: list[str] = []

    def finish_form() -> None:
        nonlocal form, form_unit, form_lines
        if form and form.get("name") and form_unit is not None:
            frequency_text = form.get("frequency") or ""
            duration = _DURATION.search(frequency_text)
            frequency = frequency_text[:duration.start()].strip(" ,;") if duration else frequency_text
            collector.medication(_MedFields(
                name=form["name"], dose=form.get("dose"), route=form.get("route"),
                frequency=frequency or None,
                duration=form.get("duration") or (_clean_field(duration.group()) if duration else None),
                status=form.get("status") or status, text="; ".join(form_lines)), form_unit)
        form, form_unit, form_lines = None, None, []

    for unit in units:
        text = unit.text
        heading = _STATUS_HEADING.fullmatch(text.rstrip(".")) if len(text) <= 60 else None
        if heading and (text.endswith(":") or not unit.is_item):
            finish_form()
            status = _heading_status(heading) or status
            continue
        field = _form_field(text)
        if field:
            name, value = field
            if name in ("name", "stopped"):
                finish_form()
                form, form_unit, form_lines = {"name": value}, unit, [text]
                if name == "stopped":
                    form["status"] = "stopped"
            elif form is not None:
                form_lines.append(text)
                if name == "amendment":
                    form["status"] = _amendment_status(value) or form.get("status")
                else:
                    form.setdefault(name, value)
            continue
        if form is not None:
            if re.match(r"^(?:medication|indication|comment|date of|reason)", text, re.IGNORECASE):
                continue   # other labelled lines of the same form
            finish_form()
        if unit.is_row:
            cells = [cell.strip() for cell in text.split(" | ")]
            cell = next((c for c in cells if _dose(c) and re.match(r"[A-Za-z]", c)), None)
            if cell:
                fields = _parse_med(cell, strict=False, status_default=status, name_only_ok=False)
                if fields:
                    fields.text = text
                    collector.medication(fields, unit)
            continue
        meds = _medications_in(text, strict=False, status_default=status, is_item=unit.is_item)
        if meds:
            for fields in meds:
                collector.medication(fields, unit)
        else:
            collector.free_text(unit)
    finish_form()


def _instruction_section(units: list[_Unit], collector: _Collector) -> None:
    lead: str | None = None          # a medication list lead-in ("continue these medications:")
    topic: str | None = None         # a category lead-in ("Call your doctor or go to the ER for:")
    for unit in units:
        text = unit.text
        found = _lead_in(text)
        if found:
            lead, topic = found, None
            continue
        if lead and unit.is_item:
            if lead != "admission":
                default = lead if lead in ("new", "changed", "stopped", "continued") else None
                for fields in _medications_in(text, strict=False, status_default=default, is_item=True):
                    collector.medication(fields, unit)
            continue
        lead = None
        if topic and unit.is_item:
            collector.item(_category(text, topic), text, unit)
            continue
        topic = None
        meds = _medications_in(text, strict=True, status_default=None, is_item=unit.is_item)
        if meds:
            for fields in meds:
                collector.medication(fields, unit)
            continue
        if text.endswith(":"):
            topic = _category(text, None)
        collector.free_text(unit)


def _lead_in_lists(units: list[_Unit], collector: _Collector, require_discharge: bool) -> None:
    lead: str | None = None
    for unit in units:
        found = _lead_in(unit.text)
        if found:
            lead = found
            continue
        if lead and unit.is_item:
            if lead == "discharge" or (not require_discharge and lead != "admission"):
                for fields in _medications_in(unit.text, strict=False, status_default=None, is_item=True):
                    collector.medication(fields, unit)
            continue
        lead = None
