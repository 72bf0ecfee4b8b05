"""Section roles: which "Medications" section is the discharge list, what a status heading says ("New
medications:", "STOPPED"), and what a line introducing a list of medicines says of them."""
from __future__ import annotations

import re

from mediassist.structure.model import Document, Section

from .dosing import read_status
from .words import AFTER_COURSE_SECTIONS, HISTORY_SECTIONS, STATUS_WORDS

MED_WORD = re.compile(r"\b(?:medications?|medicines?|meds|prescriptions?|drugs)\b", re.IGNORECASE)
_ADMISSION_WORD = re.compile(r"\b(?:on|at|before|prior to|upon)\s+admission\b|\bpre-?admission\b|"
                             r"\badmission medications?\b|\bhome medications? (?:were|are|included)\b",
                             re.IGNORECASE)
_DISCHARGE_WORD = re.compile(r"\bdischarg\w*|\bsent home\b|\bgo(?:ing)? home\b|\btake home\b|\bat home\b",
                             re.IGNORECASE)
# A heading that gives its medicines one status: "New medications:", "Medications to stop", "Start taking these
# medicines:", "Suspended medications (GP to review):", "Stopped / suspended medicines:", "Medications on hold:",
# "Medicines temporarily withheld:". Only a whole heading: "Medications held on admission, restarted on discharge:"
# is none.
_STATUS = (r"new|changed?|stop(?:ped)?|discontinued|continued?|resumed?|unchanged|held|hold|start(?:ed)?|commenced"
           r"|nouveaux?|nouvelles?|modifiés?|inchangés?|suspendus?|cessés?|arrêtés?")   # and in French (Québec)
# UK and Australian words of stopping; alone on a line they may be a note on the drug above, so they head a group
# only beside a word for medicines ("Suspended medications", "Medicines withheld").
_SUSPENDED = r"suspended|withheld|omitted|ceased"
_AFTER_MEDS = (r"stop|start|continue|change|hold|resume|held|stopped|suspended|withheld|omitted|ceased|discontinued|"
               r"continued|started|commenced|changed|unchanged|resumed|new")
_STOPPING = rf"stop(?:ped)?|discontinued|held|hold|{_SUSPENDED}"
_MEDS = r"(?:medications?|medicines?|meds|prescriptions?|drugs?|médicaments?)"
_MEDS_BE = rf"{_MEDS}\s+(?:to\s+be\s+|to\s+)?(?:temporarily\s+)?"
_OR = r"\s*(?:/|&|\bor\b|\band\b)\s*"   # only two words of stopping are joined: "Stopped / suspended medicines"
STATUS_HEADING = re.compile(
    rf"(?:(?P<word>{_STATUS})(?:\s+{_MEDS})?|(?P<word5>{_SUSPENDED})\s+{_MEDS}"
    rf"|(?P<pair>{_STOPPING}){_OR}(?:{_STOPPING})(?:\s+{_MEDS})?"
    rf"|{_MEDS_BE}(?P<word2>{_AFTER_MEDS})|{_MEDS_BE}(?P<pair2>{_STOPPING}){_OR}(?:{_STOPPING})"
    rf"|{_MEDS}\s+(?:temporarily\s+)?on\s+(?P<word4>hold)"
    rf"|(?:please\s+)?(?P<word3>start|stop|continue|change|resume|hold)\s+(?:(?:taking|how you take)\s+)?"
    rf"(?:these|the following|all of these)\s+(?:{_MEDS}|tablets)"
    rf"|(?:please\s+)?(?P<word6>start|stop|continue|resume)\s+taking\s+(?:these|the following|all of these)"
    rf"|(?P<kept>keep)\s+taking\s+(?:these|the following)(?:\s+{_MEDS})?(?:\s+(?:the\s+)?same(?:\s+as\s+before)?)?"
    rf"|(?:please\s+)?(?P<negated>do\s+not|don'?t)\s+(?:take|restart|resume)\s+(?:these|the following|any of these)"
    rf"\s+(?:{_MEDS}|tablets)(?:\s+(?:any\s+more|anymore))?)"
    r"(?:\s*\((?![^()]*\b(?:restart|resum|continu|start|now)\w*)[^()]{1,40}\))?\s*:?",   # not "(restarted today)"
    re.IGNORECASE)


# An EHR list whose medicines each carry a status field, some of them ended ("Status: Discontinued"): a list
# reconciled at this stay, not the one taken before it.
_RECONCILED = re.compile(r"^[ \t]*status[ \t]*:[ \t]*(?:discontinued|stopped|held|on hold|suspended)\b",
                         re.IGNORECASE | re.MULTILINE)


def is_discharge_list(document: Document, index: int) -> bool:
    """Is the 'Medications' section at index the discharge list (not the medicines taken before admission)?"""
    section = document.sections[index]
    body = document.text[section.start:section.end]
    head = body[:300]
    if _ADMISSION_WORD.search(section.title) or _ADMISSION_WORD.search(head):
        return False
    if _DISCHARGE_WORD.search(section.title) or _DISCHARGE_WORD.search(head) or _RECONCILED.search(body):
        return True
    for earlier in reversed(document.sections[:index]):
        if earlier.name in HISTORY_SECTIONS:
            return False
        if earlier.name in AFTER_COURSE_SECTIONS:
            return True
    return not any(s.name == "Discharge Medications" for s in document.sections)



def section_status(section: Section) -> str | None:
    """The status a medication section's title gives its medicines ("Stopped medications"), or None."""
    match = STATUS_HEADING.fullmatch(section.title.strip()) if section.title else None
    return heading_status(match) if match else None


def heading_status(match: re.Match) -> str | None:
    """The status of a STATUS_HEADING match."""
    if match.groupdict().get("negated"):
        return "stopped"
    if match.groupdict().get("kept"):
        return "continued"
    word = next((found for found in match.groupdict().values() if found), "").lower()
    if word in ("start", "started"):
        return "new"
    return STATUS_WORDS.get(word) or STATUS_WORDS.get(word + "d")


def lead_in(text: str) -> str | None:
    """A line introducing a medication list: 'admission', a status, 'discharge', or None."""
    if not text.rstrip().endswith(":") or not MED_WORD.search(text):
        return None
    if _ADMISSION_WORD.search(text) and not _DISCHARGE_WORD.search(text):
        return "admission"
    status = read_status(text, None)
    if status:
        return status
    return "discharge" if _DISCHARGE_WORD.search(text) else "list"
