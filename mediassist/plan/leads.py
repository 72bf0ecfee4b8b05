"""What a line that heads or introduces medicines says of them: a status ("Medications on hold:"), taking them
("Medicines to take:"), not taking them ("Medicines you should NOT take:"), or nothing of after discharge (the
medicines before admission or in hospital). Read by the listed plan (listing.py) and by the lists found under
their own heading (headed_lists.py)."""
from __future__ import annotations

import re

from .dosing import KEEP_TAKING, find_dose, read_status
from .drugs import vocabulary
from .medication_lines import MedFields, medications_in
from .prose import HELD, STOPPED
from .sections import lead_in
from .words import STATUS_WORDS

_STOPPING = r"stop\w*|hold|held|omit\w*|discontinu\w*|withh\w*|suspend\w*|ceas\w*"
# A heading-like line inside a list ("Inhalers:", "Cardiac:"), but not a note or a word of stopping ("Do not take
# these medications:", "Reason stopped:", "Note:", "On hold:") nor a form's label ("Dose:").
GROUP_HEADING = re.compile(
    rf"^(?!.*\b(?:{_STOPPING}|not|don'?t|never|no longer|paus\w*|avoid\w*|reason|why|note|comment|indication|date|"
    r"following|previously|temporarily|permanently|until)\b)"
    r"(?!(?:dose|route|frequency|quantity|form|status|amendment|directions|medication(?: name)?)\s*:$)"
    r"[A-Za-z][A-Za-z /&,()'-]{0,50}:$", re.IGNORECASE)
# A heading that tells the patient to take what follows ("Continue these:", "Keep taking:", "Rx:", "Advised to
# continue:") always ends a stop group.
_TAKE_HEADING = re.compile(rf"^(?!.*\b(?:{_STOPPING}|not|don'?t|never|previously|before|prior|admission|last)\b)"
                           r".{0,50}\b(?:continue|continuing|keep|carry on|take|taking|start|starting|still|your|"
                           r"active|prescribed|dispensed|rx|discharge|advised)\b.{0,40}:$", re.IGNORECASE)
# A heading for the whole rest of the list, which always ends a status group.
_WHOLE_LIST = re.compile(rf"^(?!.*\b(?:{_STOPPING})\b)"
                         r"(?:all\s+)?(?:other|remaining|regular|current|usual|home|ongoing|continuing|daily)\s+"
                         r"(?:medications?|medicines?|meds|tablets|drugs)\b|^(?:discharge prescriptions?|tto)\s*:?$",
                         re.IGNORECASE)


# A lead-in that denies its list or places it in the past: "Medicines you do NOT need at home:", "Medications tried
# previously:". One that places it in hospital ("Medicines held in ICU:") says nothing of after discharge.
_NOT_TO_TAKE_LEAD = re.compile(r"\b(?:not|n't|no longer)\s+(?:\w+\s+)?(?:need\w*|required|necessary)\b|"
                               r"\b(?:no longer|given|tried|previous\w*|discuss\w*|consider\w*)\b", re.IGNORECASE)
# A whole lead-in that says not to take its drugs ("Medicines you should NOT take:", "Do not take these medicines
# until ...:", "Medicines to avoid while ...:"), not one about how to take them ("Do not take these medicines on an
# empty stomach:", "Avoid missing these medicines:").
_AVOID_LEAD = re.compile(r"^(?:.{0,40}\b(?:not|n't|never)\s+(?:to\s+)?(?:take|use|restart|resume|continue)"
                         r"(?:\s+(?:any\s*more|at home|after discharge|for now))?"
                         r"|(?:please\s+)?(?:(?:medications?|medicines?|meds|drugs|tablets)\s+to\s+avoid"
                         r"(?:\s+(?:while|with|during|until|after|before)\b[^:]*)?"   # not "if": a sick day rule
                         r"|avoid\s+(?:taking\s+)?(?:these|the following|any of these)\s+(?:medications?|medicines?|"
                         r"meds|drugs|tablets)|(?:do\s+not|don'?t|never)\s+(?:take|use|restart|resume)\s+(?:these|"
                         r"the following|any of these)\s+(?:medications?|medicines?|meds|drugs|tablets)"
                         r"(?:\s+(?:any\s*more|at home|after discharge|for now|until\b[^:]*))?))\s*:?\s*$",
                         re.IGNORECASE)
_NEGATED_LEAD = re.compile(r"\b(?:do not|don'?t|never|avoid\w*)\b", re.IGNORECASE)
_IN_HOSPITAL_LEAD = re.compile(r"\b(?:hospital|inpatient|ward|icu|itu|during|admission|stay|theatre|emergency)\b"
                               r"|\b(?-i:ED|A&E|ER)\b", re.IGNORECASE)


def _lead_says(text: str) -> str | None:
    """sections.lead_in, with a negation read as a whole: "Do not take these medicines until you see your
    surgeon:" stops them, "Do not take these medicines on an empty stomach:" says how to take them."""
    found = lead_in(text)
    if found and _AVOID_LEAD.match(text):
        return "stopped"
    if found in ("stopped", "held") and _NEGATED_LEAD.search(text):
        return "discharge"   # medicines to take, and how
    return found


def list_status(lead: str) -> str | None:
    """What a lead-in ending in ":" says of the medicines after it: a status ("stopped", "new"), "take", or None
    when it says nothing of taking them (a plain "Medications:", the medicines before admission or in hospital)."""
    found = _lead_says(lead)
    if found is None or _IN_HOSPITAL_LEAD.search(lead):
        return None
    if found == "admission" or (found == "list" and not closes_a_group(lead)):
        return None
    if found not in ("stopped", "held") and _NOT_TO_TAKE_LEAD.search(lead):
        return None
    return found if found in ("new", "changed", "stopped", "held", "continued") else "take"


def closes_a_group(text: str) -> bool:
    return bool(_WHOLE_LIST.match(text) or _TAKE_HEADING.match(text))


_FORM_WORD = re.compile(r"(?:tab|tabs|cap|caps|inj|syp|syr|tablet|capsule)\.?\s+", re.IGNORECASE)


def is_a_list_line(text: str) -> bool:
    """"Ramipril", "Tab. Brufen", "Perindopril - withhold until BP reviewed", "Aspirin (unless told by doctor)",
    "ibuprofen naproxen": a line of a list that starts with a drug's name, not a sentence ("Aspirin ceased.")."""
    text = _without_form_word(text)
    mentions = vocabulary().mentions(text)
    if not mentions or mentions[0].start != 0:
        return False
    rest = text[mentions[0].end:].strip()
    return not rest.strip(".") or rest[0] in "-–—(:,;/" or starts_with_drug(rest) or bool(find_dose(rest[:20]))


def starts_with_drug(text: str) -> bool:
    """"Omeprazole 20 mg daily", "Tab. Telma 40 mg": a line of a list, not a sentence that names a drug ("Take
    clopidogrel ...", "No more heparin injections")."""
    mentions = vocabulary().mentions(_without_form_word(text))
    return bool(mentions) and mentions[0].start == 0


def _without_form_word(text: str) -> str:
    found = _FORM_WORD.match(text)   # "Tab. Telma 40 mg": the drug's name starts after the form
    return text[found.end():] if found else text


_INLINE_LEAD = re.compile(r"(?P<lead>[A-Za-z][^:\n]{2,80}):\s+(?P<rest>\S.*)")
# Labels of a line about a drug that is no medicine of its own: another name for the drug above ("Commonly known
# as: LOPRESSOR"), one it replaces, an allergy; and notes, which are none unless they give a dose.
_NOT_A_LEAD = re.compile(r"(?:(?:commonly|also|better)\s+known\s+as|(?:brand|generic|trade|other)\s+names?|a\.?k\.?a\.?"
                         r"|instead\s+of|replaces|replacing|allerg\w*)", re.IGNORECASE)
_NOTE_LEAD = re.compile(r"reasons?|notes?|comments?|indications?", re.IGNORECASE)


def after_inline_lead(text: str, status: str | None) -> list[MedFields] | None:
    """The drugs after a lead-in on their own line ("KEEP TAKING these medicines the same way: Synthroid,
    vitamin B12", "CHANGED medicine: metoprolol - now 50 mg twice a day"), with the lead-in's status; none
    after a lead-in that says not to take them; None: the line has no lead-in."""
    found = _INLINE_LEAD.fullmatch(text)
    if not found:
        return None
    if names_no_medicine(text):
        return []
    if _NOTE_LEAD.fullmatch(found.group("lead").strip()) and not starts_with_drug(found.group("rest")):
        return None   # "Note: take aspirin 75 mg daily": a note with a dose is read as any line
    if _NOT_A_LEAD.fullmatch(found.group("lead").strip()):
        after = _run_on_after_alias(found.group("rest"))   # "COUMADIN" / "ibuprofen 200 MG" read as one line
        if after:
            return medications_in(after, strict=False, status_default=status, is_item=True)
    lead = _lead_says(found.group("lead") + ":")   # in a list already: a plain lead-in will do
    if lead is None:   # a label before a drug ("Changes: furosemide increased to 80 mg"), not "Aspirin: 81 mg"
        if vocabulary().mentions(found.group("lead")) or not starts_with_drug(found.group("rest")):
            return None
        label = found.group("lead").strip().lower()
        lead = STATUS_WORDS.get(label) or read_status(label, None) or "list"   # "Withheld: warfarin 5 mg"
    if lead == "admission" or (lead not in ("stopped", "held") and _NOT_TO_TAKE_LEAD.search(found.group("lead"))):
        return []
    own = lead if lead in ("new", "changed", "stopped", "held", "continued") else status
    if _NOTE_LEAD.fullmatch(found.group("lead").strip()):   # a note's own words: "metformin ... withheld until eGFR"
        own = _told_in_a_note(found.group("rest")) or own
    meds = medications_in(found.group("rest").rstrip("."), strict=False, status_default=own, is_item=True)
    for fields in meds:
        fields.text = text
    return meds


def _told_in_a_note(text: str) -> str | None:
    if KEEP_TAKING.search(text):
        return None
    return "held" if HELD.search(text) else "stopped" if STOPPED.search(text) else None


def names_no_medicine(text: str) -> bool:
    """"Commonly known as: LOPRESSOR", "Allergies: penicillin", "Instead of: warfarin": a drug named on a line
    that gives no medicine to take (nor another drug's line run on after it)."""
    found = _INLINE_LEAD.fullmatch(text)
    label = found.group("lead").strip() if found else ""
    if not (_NOT_A_LEAD.fullmatch(label) or _NOTE_LEAD.fullmatch(label)):
        return False
    rest = found.group("rest")   # "Instead of: warfarin (stop)" still says to stop it; "Note: take aspirin 75 mg"
    a_note_with_a_dose = bool(_NOTE_LEAD.fullmatch(label) and find_dose(rest))
    return not (_run_on_after_alias(rest) or read_status(rest, None) or a_note_with_a_dose)


def _run_on_after_alias(value: str) -> str | None:
    """The next drug's line run on after a label's one name ("COUMADIN ibuprofen 200 MG tablet"), or None."""
    mentions = vocabulary().mentions(value)
    if len(mentions) < 2 or mentions[0].start != 0 or value[mentions[0].end:mentions[1].start].strip():
        return None
    return value[mentions[1].start:]


def says_not_to_take(text: str) -> bool:
    """A heading that as a whole says not to take its medicines ("Medicines you should NOT take:")."""
    return bool(lead_in(text) and _AVOID_LEAD.match(text))


def lead_of_items(text: str) -> str | None:
    """The lead-in of the list items after it in the instructions: lead_says, or "admission" (read none of them)
    for drugs not to take now: given in hospital ("Medications given in ED:") or not needed."""
    found = _lead_says(text)
    not_now = _IN_HOSPITAL_LEAD.search(text) or _NOT_TO_TAKE_LEAD.search(text)
    return "admission" if found and found not in ("stopped", "held") and not_now else found
