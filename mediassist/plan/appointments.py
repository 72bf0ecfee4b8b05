"""Follow-up appointments: who the patient is to see, when, and what for, where the words of the line say so.

"Dr. Lee (cardiology): March 21, 2025 at 2:15 PM", "PCP in 3-5 days for post-hospital follow-up",
"2 weeks - Orthopaedic clinic". WHEN and WHO_WORD also help categories.py tell an appointment from other items.
"""
from __future__ import annotations

import re

from .dosing import clean_field

_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_TIME = r"(?:,?\s*(?:at|@)\s*\d{1,2}(?::\d{2})?\s*(?:[ap]\.?\s?m\.?|AM|PM)?|\s+\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?|AM|PM)?)"
_DATE = (rf"(?:(?:{_WEEKDAY}),?\s+(?:the\s+)?)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"
         rf"|(?<!\d)\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?(?![\d/])|\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}-[A-Z][a-z]{{2}}-\d{{4}}"
         rf"|(?<![\d.])\d{{1,2}}\.\d{{1,2}}\.(?:\d{{4}}|\d{{2}})(?![\d.])"   # European "28.04.25"
         rf"|(?<![\d.])\d{{4}}\.\d{{1,2}}\.\d{{1,2}}(?![\d.]))")   # Sri Lankan "2024.08.19"
_RELATIVE = (r"(?:in|within|after)\s+(?:about\s+|approximately\s+|roughly\s+|the\s+next\s+|another\s+)?"
             r"(?:\d+(?:\s*(?:-|–|to)\s*\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|"
             r"a|an|a few|several|1-2|one to two|two to three)\s+(?:(?:working|business|calendar)\s+)?"
             r"(?:days?|weeks?|wks?|months?|mos?|years?|hours?|hrs?)\b"
             r"(?:\s+and\s+a\s+half)?(?:['’]s?\s+time)?")
# UK and Indian shorthand: "4/52" (weeks), "day 3", "a 6-week postnatal check", "Mon 09:00".
_SHORTHAND = (r"\b\d{1,2}/52\b|\bday\s+\d{1,2}\b"
              r"|\b\d{1,2}[- ](?:day|week|month)\s+(?:\w+\s+)?(?:check|review|visit|appointment|follow[\s-]*up)\b"
              r"|\b(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\b\.?\s+\d{1,2}:\d{2}\b")
WHEN = re.compile(
    rf"(?:(?:starting|from|beginning|on|next)\s+)?{_DATE}{_TIME}?"
    rf"|(?:on\s+)?{_WEEKDAY}{_TIME}?"
    rf"|{_RELATIVE}"
    r"|\b(?:tomorrow|today|next week|next month|this week)\b"
    r"|^\d+(?:\s*(?:-|–|to)\s*\d+)?\s+(?:days?|weeks?|months?)(?=\s*[-–—:])"
    # a span alone, as a table cell or after the clinic ("Frailty clinic 4 weeks", "GP | 1 week"); not how long
    # something lasts ("for 2 weeks", "x 5 days") or when it was ("2 weeks ago")
    r"|(?<![\w./-])(?<!for )(?<!over )(?<!x )(?<!past )(?<!last )(?<!every )(?<!within )(?<!in )(?<!after )"
    r"\d+(?:\s*(?:-|–|to)\s*\d+)?\s*(?:days?|weeks?|wks?|months?)\b(?!\s+(?:ago|of|course|supply|later|old)\b)"
    r"|\b\d+\s*(?:x|times)\s*(?:/|a|per)\s*week(?:\s+for\s+\d+\s+weeks?)?"
    rf"|{_SHORTHAND}",
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

WHO_WORD = re.compile(
    r"\b(?:Dr|Doctor|Mr|Mrs|Ms|Miss|PCP|GP|CNS|RN|NP|[A-Z][a-z]+ology)\b"
    r"|\b(?i:clinic|provider|physician|clinician|doctor|surgeon|specialist|nurse|therap(?:y|ist)|physio\w*|educator|"
    r"referral|rehab\w*|program|programme|team|office|consultant|cardiology|neurology|oncology|hematology|"
    r"haematology|urology|endocrinology|ophthalmology|orthopa?edics|gastroenterology|pulmonology|nephrology|"
    r"dermatology|psychiatry|primary care|surgery|midwi(?:fe|ves)|matron|health visitor|hospice|podiatr\w*|"
    r"p(?:a)?ediatrician|therapies|counsel(?:l)?ors?|dietitian|dietician|social worker|coordinator|"
    r"(?:GP|general) practice|cent(?:er|re))s?\b")   # "District nurses", "the surgeons"


def read_appointment(text: str) -> tuple[str | None, str | None, str | None]:
    """(who, when, purpose) of a follow-up line; None for what the line does not say."""
    who = _labelled_who(text)
    if who is None:
        who = _mentioned_who(text)
    if who:
        who = _tidy_who(who)
    return who or None, _when(text), _purpose(text)


def _when(text: str) -> str | None:
    when_match = WHEN.search(text)
    when = clean_field(when_match.group()) if when_match else None
    if when and when.endswith(".") and not re.search(r"[ap]\.m\.$", when, re.IGNORECASE):
        when = when[:-1]
    if when:
        when = re.sub(r"^(?:on|in\s+(?=the\b))\s+", "", when, flags=re.IGNORECASE)
    return when or None


def _labelled_who(text: str) -> str | None:
    """Who, from where the line puts it: "2 weeks - Dr. Lee", "Provider: Dr. Lee", "Dr. Lee: March 21",
    or a line that starts with them ("Cardiology clinic in 2 weeks")."""
    dash = re.match(r"^\s*\d+(?:\s*(?:-|–|to)\s*\d+)?\s+(?:days?|weeks?|months?)\s*[-–—:]\s*(?P<who>.+)$", text,
                    re.IGNORECASE)
    field = _WHO_FIELD.search(text)
    if dash:
        return dash.group("who").strip(" .")
    if field:
        return field.group("who").strip(" ,.")
    if ":" in text[:90] and WHEN.search(text.split(":", 1)[1]) and WHO_WORD.search(text.split(":", 1)[0]):
        return text.split(":", 1)[0].strip()
    if not _VERB_START.match(text):
        return _leading_who(text)
    return None


def _leading_who(text: str) -> str | None:
    stop = _LEADING_WHO_STOP.search(text)
    candidate = text[:stop.start()] if stop else text
    note = re.match(r"\s*\([^()\d]{2,40}\)", text[len(candidate):]) if stop else None
    if note and len(note.group().split()) <= 4:
        candidate += note.group()
    candidate = candidate.strip(" .")
    if candidate and len(candidate.split()) <= 8 and WHO_WORD.search(candidate) and not _NOT_WHO.search(candidate):
        return candidate
    return None


def _mentioned_who(text: str) -> str | None:
    """Who, from the sentence: "follow up with the cardiology clinic", else the first "Dr. X" named."""
    masked = _TITLE_DOT.sub(lambda m: m.group(1) + "\u2024", text)   # "Dr." must not end the name
    with_who = _WITH_WHO.search(masked)
    if with_who:
        candidate = text[with_who.start("who"):with_who.end("who")].strip()
        if candidate.lower() not in ("me", "us", "the office", "office", "my office") \
                and len(candidate.split()) <= 8 and (WHO_WORD.search(candidate) or candidate[:1].isupper()) \
                and not _NOT_WHO.search(candidate):
            return candidate
    doctor = _DOCTOR.search(text)
    return doctor.group().strip() if doctor else None


def _tidy_who(who: str) -> str:
    who = re.sub(r"\s*\[\*\*[^\]]*$", "", who)   # a cut-off MIMIC placeholder "[**Last Name"
    who = re.sub(r"\s+(?:Dr|Doctor)\.?$", "", who)
    who = re.sub(r"\s+(?:in the office|in clinic|in my office)$", "", who).strip(" ,")
    return re.sub(r"^the\s+", "", who)


def _purpose(text: str) -> str | None:
    for match in _PURPOSE.finditer(text):
        value = match.group("for") or match.group("to") or match.group("paren")
        if not value:
            continue
        if match.group("paren") and WHEN.search(value):
            continue
        value = WHEN.sub("", value) if match.group("for") or match.group("to") else value
        value = clean_field(re.sub(r"\s+(?:and|or|at|on|in)$", "", clean_field(value)))
        if value and not WHEN.fullmatch(value) and len(value) >= 3:
            return value
    return None


# Lines of an appointment block that only say where or how to reach it: a street address, a suite, a city with its
# postcode, a phone number, "Contact information:".
_STREET = (r"(?:St|Street|Dr|Drive|Ave|Avenue|Rd|Road|Blvd|Boulevard|Lane|Ln|Way|Pkwy|Parkway|Ct|Court|Pl|Place|Hwy|"
           r"Highway|Square|Sq|Terrace|Crescent|Close)")
_PLACE_DETAIL = re.compile(
    rf"\d+[A-Za-z]?,?\s+(?:[A-Z][\w.'’-]*\s+){{0,4}}{_STREET}\.?(?:,?\s+(?:Suite|Ste|Unit|Floor|Fl)\.?\s*\w+)?"
    r"|(?:Suite|Ste|Unit|Floor|Room|Bldg|Building|Level)\.?\s*\w+"
    r"|[A-Z][A-Za-z .'’-]+,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?"                       # "Holland MI 49423"
    r"|(?i:(?:tel|telephone|phone|ph|fax|contact(?: number)?)\s*[:.]?\s*)?\+?\(?\d[\d\s().-]{6,}\d"
    r"|(?i:contact information|contact details|location|address)\s*:?")


def is_appointment_detail(text: str) -> bool:
    """A line that only says where an appointment is or how to call (an address, a phone number), to be read with
    the appointment it belongs to rather than as one."""
    return bool(_PLACE_DETAIL.fullmatch(text.strip(" .")))


def is_date_alone(text: str) -> bool:
    """A line that is only a date and perhaps a time ("Thursday Mar 19, 2026"): the heading of the appointment
    under it."""
    return bool(WHEN.fullmatch(text.strip(" .:")) and re.search(r"\d", text))


# The dates of the stay or of the paper itself, not of a visit: "3/9/2026 - 3/13/2026", "Printed 3/13/2026 11:52 AM",
# "D/C 11/06/25", "DOB 2/11/1954". Not "admission date 15/07" or "admitted on 2 May": an admission may be to come.
_RECORD_DATE = re.compile(
    rf"{_DATE}{_TIME}?\s*(?:-|–|to)\s*{_DATE}{_TIME}?"
    rf"|\b(?:printed|discharged|discharge date|d/c|dob|date of (?:admission|discharge|birth)|(?:date )?of birth|"
    rf"(?:dictation|entry|transcription|report|print|signed|cosigned) date|generated)\b"
    rf"\W{{0,3}}(?:on\s+)?{_DATE}{_TIME}?",
    re.IGNORECASE)


def dates_only_of_the_record(text: str) -> bool:
    """Every date the line writes is one of the stay or of the paper (a header line), none of a visit to come."""
    if not _RECORD_DATE.search(text):
        return False
    return not WHEN.search(_RECORD_DATE.sub(" ", text))
