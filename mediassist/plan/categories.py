"""The categories of the plan's items: follow-up, tests, diet, activity, wound care and warning signs.

Each item is placed once, in the most specific category: a warning sign before a follow-up appointment before
a test before wound care before diet before activity. An item under a heading keeps that heading's category
unless it plainly belongs to another one; an instruction sentence about two things is cut at the comma into
one item per category. Reports of teaching and of agreement are no instructions. Two items are also a follow-up
row (collector.py): a visit on a condition is a warning sign too, and a test to be done at a time a visit too.
"""
from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from mediassist.index.embedder import known_words
from mediassist.structure.units import run_on_sentences, sentence_spans

from .appointments import WHEN, WHO_WORD, dates_only_of_the_record
from .dosing import find_dose
from .drugs import vocabulary

# A call for something other than the patient's health: "if you have any questions", "if the appointment has not
# arrived", "if you need to rebook", "if you have not heard within 5 days".
_NOT_ABOUT_HEALTH = (r"(?!\s+(?:(?:you|she|he|they|the patient|your \w+)\s+(?:would like|wish|want|"
                     r"(?:have|has|need|needs)\s+(?:any\s+|further\s+|more\s+)?(?:questions?|queries|information|"
                     r"to (?:change|cancel|rearrange|re-?book|book)|concerns about (?:\w+\s+)?(?:medication|medicines|"
                     r"tablets|appointment))|(?:have not|haven't|has not|hasn't)\s+(?:yet\s+)?(?:heard|received))|"
                     r"(?:the|your)\s+(?:appointment|prescription))\b)")
WARNING = re.compile(
    r"\bemergency\s+(?:room|department|services|number|care|unit)\b|\b(?:call|dial|phone)\s+(?:9-?1-?1|999|112)\b"
    r"|\b911\b|\b(?:ER|ED|A&E)\b|\burgent(?:ly)?\b|\bimmediately\b|\bright away\b|\bat once\b"
    r"|\bseek\s+(?:\w+\s+)?(?:medical|help|care|attention|advice|review)"
    r"|(?<!will )\b(?:call|contact|notify|phone|ring|tell|refer back to|return)\b(?:[^.;]|(?<=\bDr)\.){0,80}?"
    rf"\b(?:if|should)\b{_NOT_ABOUT_HEALTH}"
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
    r"|\bbe seen\b|\breferr(?:al|ed)\b|\bwill see\b"
    # "Review in OPD", "RTC 6/52", "TCA (to come again) 2/52"
    r"|\b(?:review|rvw)\s+(?:in|at|after|on|with|by)\b|\b(?-i:OPD|OPC|OPA|RTC|TCI|TCA|MOPD|GOPD)\b"
    # "Please review BP in 2 weeks", "review her inhaler technique at the practice in the next few weeks"
    r"|\b(?:review|rvw)\s+(?:[\w-]+\s+){1,6}?(?:in|within|after)\s+(?:the\s+next\s+)?"
    r"(?:\d+|a|one|two|three|four|six|few|several)\s+(?:\w+\s+)?(?:days?|weeks?|months?)\b"
    # "DSN to telephone patient on Monday", "the nurse will ring her next week": a call from the team
    r"|\b(?:will|to)\s+(?:tele)?(?:phone|ring|call)\s+(?:the\s+)?(?:patient|her|him|them|you|parents?)\b",
    re.IGNORECASE)
_CLINIC = re.compile(r"\b(?:clinic|office|OPD)\b", re.IGNORECASE)
_TESTS = re.compile(
    r"\b(?:blood tests?|blood work|bloods|labs?|lab work|laboratory|tests?|x-?rays?|scans?|"
    r"(?-i:CXR|CT|MRI|ECG|EKG|INR|CBC|BMP|CMP|UA|DXA|DEXA|PFTs?|FBC|U&Es?|U\+Es?|LFTs?|TFTs?|RFTs?|KFTs?|HbA1c|CRP|ESR|"
    r"FBS|PSA|eGFR|BNP|USS|CT[A-Z]*)|"
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
_PATTERNS = {"warning_signs": WARNING, "follow_up": _FOLLOW_UP, "tests": _TESTS, "wound_care": _WOUND,
             "diet": _DIET, "activity": _ACTIVITY}
_PRIORITY = ("warning_signs", "follow_up", "tests", "wound_care", "diet", "activity")

# Reports of teaching rather than instructions ("Family counseled on diabetes care").
_EDUCATION_REPORT = re.compile(
    r"\b(?:educated|counsel(?:l)?ed|counsel(?:l)?ing (?:was )?(?:given|provided)|discussed|reviewed with|"
    r"reinforced|demonstrated|emphasi[sz]ed|understands|understood|agreed|verbali[sz]ed|were answered|"
    r"was given (?:written|full|complete|verbal|oral)|given (?:written |verbal |oral )?instructions|"
    r"materials? (?:and [\w ]+ )?provided|questions were answered)\b",
    re.IGNORECASE)
# Hospital-course sentences that speak about after discharge.
PLAN_MOOD = re.compile(
    r"\b(?:is|are) to (?!be (?:admitted|transferred)\b)|\bwill (?:follow|see|need|be seen|return|continue|"
    r"start|have|get|call|notify)\b|\b(?:is|was|were|has been|have been) (?:instructed|advised|told|asked)\b"
    r"|\binstructed (?:her|him|them|the patient)\b|\bshould (?!have\b)|\bneeds? to\b|\bmust\b"
    r"|\bto follow[\s-]*up\b|\bfollow[\s-]*up (?:is|was|will be) (?:in|with|arranged)\b"
    r"|\bdischarged (?:home )?to follow\b|\bis recommended\b|\b(?:to|should) (?:call|return)\b",
    re.IGNORECASE)
# Reports of agreement ("He understands and agreed"), and items that say there is nothing to do.
CONSENT = re.compile(r"\b(?:understands|understood|agreed|in agreement|questions were answered|"
                     r"verbali[sz]ed understanding)\b", re.IGNORECASE)
# A signature, not a plan: "Dr. A. Vance, MD", "Electronically signed by J. Smith, RN": a line that is only a
# capitalised name and credentials (case matters: "cardiology PA" is a clinic, not a signature).
_CREDENTIAL = (r"(?:MD|DO|DM|RN|NP|PA(?:-C)?|MBBS|MRCP|FRCP\w*|FRCS\w*|MRCGP|PhD|PharmD|RPh|pharm|FY[12]|ST\d|"
               r"SHO|SpR|RMO|JMO|HMO|VMO)")   # and the grades of UK and Australian hospital doctors
# who signs, as a label before the name: "Physician: Electronically signed by ...", "Discharging Nurse: J. Kowalski, RN"
_SIGNER = (r"(?:(?:[A-Z]\w+\s+)?(?i:consultant|physician|attending|registrar|author|clinician|nurse|doctor|resident)"
           r"\s*:\s*)?")
SIGNATURE = re.compile(rf"^{_SIGNER}(?i:electronically\s+)?"
                       r"(?i:(?:co-?)?signed|dictated|authori[sz]ed|discharged|prepared|completed)\s+by\b"
                       r"|^(?i:electronically\s+)?(?i:(?:co-?)?signed|dictated)(?:\s*:|\s+\d)"   # "Signed: Dr F"
                       r"|^(?i:signé)\b"   # and in French: "Signé électroniquement 2025-01-27 11:02"
                       r"|^/es/"   # an electronic signature: "/es/ CHINEDU A OKAFOR, MD"
                       rf"|^{_SIGNER}"
                       r"(?:Dr\.?\s+)?(?:[A-Z][\w.'’-]*\s+){0,3}[A-Z][\w.'’-]*"
                       rf"(?:,?\s+{_CREDENTIAL}\.?)+(?:\s*\([^()]*\))?"   # "RMO (for Dr S Raman, VMO)"
                       # and the time it was signed: "Kayla Dominguez, PA-C 01/22/2026 06:12"
                       r"(?:,?\s+\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?:\s+\d{1,2}:\d{2}(?:\s*[AP]M)?)?)?$")
# "No follow-up required", "hospital follow-up not arranged", "declined follow-up": there is no appointment
# (not_an_appointment reads it so only when the line names no one to see and no time).
NO_FOLLOW_UP = re.compile(r"\b(?:no|not|declined|without)\b[^.;]{0,30}\b(?:follow[\s-]*up|f/u|appointments?|review|"
                          r"referrals?|TCA|RTC|TCI)\b", re.IGNORECASE)
# ... and said of the follow-up itself ("Cardiology follow-up not required", "dietitian referral declined"): none,
# even with a name in it.
_NOT_NEEDED = r"not (?:required|needed|necessary|arranged)"
FOLLOW_UP_DECLINED = re.compile(rf"\b(?:follow[\s-]*up|f/u|referrals?)\b[^.;]{{0,25}}\b"
                                rf"(?:{_NOT_NEEDED}|none|declined)\b", re.IGNORECASE)
NONE_ITEM = re.compile(
    r"^(?:none|nil|n/?a|not applicable|nil relevant|none (?:given|required|arranged|planned)|not required|"
    r"no|nothing)\.?$|^(?:\w+\s+){0,3}no\s+(?:\w+\s+){0,2}(?:requested|required|arranged|planned|needed)\.?$",
    re.IGNORECASE)

_CLAUSE_SPLIT = re.compile(r"(?:,|;)\s+(?:but\s+|and\s+)?")
_TRIGGERED = re.compile(r"\b(?:if|should|in case|unless|sos)\b", re.IGNORECASE)
_AS_NEEDED = re.compile(r"\b(?:as needed|as required|prn|if needed)\b", re.IGNORECASE)


def _conditional(text: str) -> bool:
    return bool(_TRIGGERED.search(text) or _AS_NEEDED.search(text))


_SPAN_OF_TIME = re.compile(r"\b\d+(?:\s*(?:-|–|to)\s*\d+)?\s*(?:days?|weeks?|wks?|months?)\b|\bnext (?:week|month)\b|"
                           r"\btomorrow\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", re.IGNORECASE)


def category_of(text: str, origin: str | None) -> str | None:
    """The one category an item belongs to; origin is the category of its section (None: instructions)."""
    hits = _hits(text)
    has_who = bool(WHO_WORD.search(text))
    if origin == "warning_signs":
        return origin
    if origin == "follow_up":
        return _under_follow_up(text, hits, has_who)
    if origin is not None:
        if hits[origin]:
            return origin
        others = [category for category in _PRIORITY if hits[category]]
        return others[0] if others else origin
    return _in_instructions(text, hits, has_who)


def _hits(text: str) -> dict[str, int]:
    return {category: len(pattern.findall(text)) for category, pattern in _PATTERNS.items()}


def _under_follow_up(text: str, hits: dict[str, int], has_who: bool) -> str | None:
    # "Return to ED in 2 days for a wound check": a visit with a time and no condition is planned, not a warning
    # ("Call 999 for chest pain in the next 24 hours" names a time but no visit)
    planned = bool(WHEN.search(text) and (_VISIT.search(text) or _ATTEND.search(text))) and not _conditional(text)
    if hits["warning_signs"] and not (hits["follow_up"] and has_who) and not planned:
        return "warning_signs"
    if hits["tests"] and (not has_who or _a_test_first(text)):
        return "tests"   # "Repeat U&E at GP practice in 1/52": a test, wherever it is taken
    if hits["follow_up"] or has_who or WHEN.search(text):
        return "follow_up"
    others = [category for category in _PRIORITY if hits[category]]
    if others:
        return others[0]   # not an appointment ("Keep the incision dry" under Follow-up): where it belongs
    return "follow_up" if _SPAN_OF_TIME.search(text) else None


# Words of meeting someone, as opposed to having a test taken.
_SEEING = re.compile(r"\b(?:review\w*|rvw|r/v|clinic|OPD|OPC|see|seen|visits?|appointments?|appt|follow[\s-]*up|f/u|"
                     r"consult\w*|TCA|RTC|TCI)\b", re.IGNORECASE)


_SAMPLE_PLACE = re.compile(r"\b(?:lab|laboratory|phlebotomy|pathology|collection cent(?:re|er))\b", re.IGNORECASE)
# What a patient measures at home: "Check blood sugar 3 times a week and keep a record", "weigh yourself daily".
_SELF_MONITORING = re.compile(r"\b(?:blood (?:sugars?|glucose|pressure)|sugars?|glucose|BP|weight|temperature|"
                              r"peak flow)\b[^.;]*\b(?:record|log|diary|chart|at home|yourself|daily|every day|"
                              r"(?:times|x) (?:a|per) (?:day|week))\b|\bweigh yourself\b", re.IGNORECASE)


def attended_test(text: str) -> bool:
    """A test the patient goes to have done at a time, so a visit for the follow-ups and the calendar too
    ("Bloods (U&E, Mg) Mon 16/06", "Repeat INR in 1 week at the GP"); not one only named ("INR monitoring"),
    asked for on a condition, past ("CT on 3/2 showed") or measured at home ("check blood sugar 3 times a week")."""
    at_home = _SELF_MONITORING.search(text) and not (WHO_WORD.search(text) or _SESSION_PLACE.search(text)
                                                     or _SAMPLE_PLACE.search(text))
    return bool(_TESTS.search(text) and WHEN.search(text)) and not (
        _conditional(text) or _PAST.search(text) or _already_done(text) or at_home)


def _a_test_first(text: str) -> bool:
    """The line leads with a test, before anyone to see or any word of a visit ("Chest x-ray before clinic")."""
    test = _TESTS.search(text)
    firsts = [m.start() for m in (WHO_WORD.search(text), _SEEING.search(text)) if m]
    return bool(test) and (not firsts or test.start() <= min(firsts))


def _in_instructions(text: str, hits: dict[str, int], has_who: bool) -> str | None:
    """Free text (instructions): the most specific category with a match."""
    if arranged_visit(text):   # never conditional: "ED review clinic tomorrow 08:30" is a visit, not a warning
        return "follow_up"
    if hits["warning_signs"]:
        return "warning_signs"
    when = WHEN.search(text)
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


def free_text_items(text: str) -> list[tuple[str, str]]:
    """(category, text) for one instruction sentence; clauses about different things are split apart. A report of
    teaching drops only its own part: "Discussed at breast MDT; to be seen in breast clinic on 14/3"."""
    # "the patient was given written instructions. she will call to ...", and a list item of several sentences
    # ("Diabetic diet as advised. Breathing exercises 10 times every hour."): each sentence in its own part
    sentences = [part for a, b in sentence_spans(text, 0, len(text)) for part in run_on_sentences(text[a:b])]
    if len(sentences) > 1:
        return [item for sentence in sentences for item in free_text_items(sentence)]
    parts = [part for part in re.split(r";\s*", text) if part.strip()]
    if len(parts) > 1 and any(_EDUCATION_REPORT.search(part) for part in parts):
        return [item for part in parts if not _EDUCATION_REPORT.search(part) for item in free_text_items(part)]
    if _EDUCATION_REPORT.search(text):
        return []
    whole = category_of(text, None)
    if whole is None:
        return []
    bounds = [0] + [m.end() for m in _CLAUSE_SPLIT.finditer(text)] + [len(text)]
    clauses = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    if len(clauses) < 2 or whole in ("warning_signs", "follow_up"):
        return [(whole, text)]
    labelled = [(_clause_label(text[a:b]), a, b) for a, b in clauses]
    if len({label for label, _, _ in labelled if label}) < 2:
        return [(whole, text)]
    return [(label, text[a:b].strip(" ,;")) for label, a, b in _grouped(labelled) if label]


def _clause_label(clause: str) -> str | None:
    clause = re.sub(r"^(?:and|but|or)\s+|[,;]\s*(?:and|but|or)?\s*$", "", clause.strip())
    if len(clause.split()) < 2 or clause[:1].isdigit():
        return None   # "exercise" in a list, or "7/14/2031 ...": not a clause of its own
    return category_of(clause, None)


def _grouped(labelled: list[tuple[str | None, int, int]]) -> list[list]:
    """Neighbouring clauses of one category joined; an unlabelled clause joins the group before it."""
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
    return groups


# Seeking care when something happens, said in any words: an act of seeking care, then what should set it off
# ("if", "should you", "in case", "for" any/new/worse symptoms or a list of them); or a label for such advice.
# "Return to work", "contact precautions", "a cardiology consult" and "the GP will contact you" seek no care.
_SEEK_CARE = (r"\b(?:return(?:s|ing)?(?!\s+to\s+(?:work|school|normal|usual|activit\w*|sports?|driving|exercise|duty|"
              r"college|nursery|daycare|play|the gym)\b)|come\s+(?:straight\s+|right\s+)?(?:back|in|to)|"
              r"go\s+(?:back|to)|re-?attend|"
              r"re-?present|bring\s+(?:\w+\s+){0,2}(?:back|in|to)|brought\s+(?:back|in|to)|"
              r"(?<!will )(?:call|phone|telephone|ring|notify)|"
              r"(?<!will )contact(?=\s+(?:your|the|us|a|an|his|her|their|me|dr|gp)\b)|"
              r"consult(?=\s+(?:your|the|a|an|with|dr|gp|us|earlier|sooner|early|immediately|urgently)\b)|"
              r"seek|attend|visit|report|present\s+(?:to|at))\b")
_SENTENCE = r"(?:[^.;]|\.(?=\d))"      # "fever over 100.4" does not end the sentence
_TRIGGER = (rf"\b(?:if|in case|in the event|sos)\b{_NOT_ABOUT_HEALTH}"
            r"|\bshould\s+(?:you|he|she|they|the\s+\w+|your|his|her|symptoms?|there|any|it|this|that)\b"
            r"|\bfor\s+(?:any|new|worse\w*|increas\w*|severe|sudden|persist\w*|uncontrolled|signs?|symptoms?)\b")
SEEK_CARE_IF = re.compile(
    rf"{_SEEK_CARE}{_SENTENCE}{{0,80}}?(?:{_TRIGGER})"
    r"|\bRT(?:ER|ED|A&E)\b|\bSOS\b[^.;]{0,20}\b(?:casualty|emergency|hospital|ER|ED|A&E)\b"
    r"|\bwhen to (?:return|call|seek|come back|go)\b|\breturn precautions\b"
    r"|(?<!no )\bred flags?\b(?![^.;]{0,60}\b(?:absent|none|negative|not present)\b)"
    # "Return to ER immediately for: chest pain, ...", "Call the pediatrician right away or go to the ER for:"
    rf"|{_SEEK_CARE}{_SENTENCE}{{0,40}}?\b(?:immediately|urgently|at once|right away|straight away)\b"
    rf"{_SENTENCE}{{0,40}}?\b(?:for|if|with)\b"
    # "Call urology clinic during the day, or present to the ED, for: fever, ...": an act, then its list
    rf"|{_SEEK_CARE}{_SENTENCE}{{0,100}}?\bfor\s*:"
    r"|\bdanger signs?\b|(?<!without )(?<!no )\bwarning signs?\b"
    # UK and Indian "Review SOS if fever persists"; "signs of infection to report"
    r"|\breview\s+(?:sos|in case)\b|\bsos\s+review\b"
    r"|\bsigns?\s+(?:of\s+[\w ]{1,30}?\s+)?to\s+(?:report|watch\s+for|look\s+out\s+for)\b",
    re.IGNORECASE)
# "Return for numbness, loss of bladder control or weakness": a list of what should bring the patient back. Not
# when a time comes before the "for": "return to clinic in 1 week for cast check or removal" is a visit.
SEEK_CARE_FOR_A_LIST = re.compile(rf"{_SEEK_CARE}(?P<before>{_SENTENCE}{{0,80}}?)\bfor\s+{_SENTENCE}{{0,120}}?\bor\b",
                                  re.IGNORECASE)


# The same in the other order: the trigger first ("If you cannot feel the buzz, call the dialysis unit", "Should the
# headache recur, we ask for an immediate re-presentation"), not a visit planned on a condition ("if well, see
# her GP in 2 weeks"); a list item that names what happens, then a dash and the act ("Blue colour - call 999",
# "Cloudy bag or fever = phone PD unit"); an order to report symptoms to a team; "see your GP if ..." with no time
# (a time makes it a visit); and a call for an ambulance.
_ACT_AFTER = (r"\b(?:call|dial|phone|telephone|ring|contact|see|tell|inform|report|present|attend|seek|"
              r"go\s+(?:straight\s+)?to|come\s+(?:back|in|to)|return|re-?presentation|presentation)\b")
# After a dash, "attend" seeks care only when the care is urgent ("attend clinic in 2 weeks" is a visit).
_ATTEND_URGENTLY = (r"attend(?=[^.;]{0,30}\b(?:A&E|ED|ER|emergency|casualty|urgent\w*|same day|immediately|"
                    r"at once|straight away|right away)\b)")
TRIGGER_THEN_CARE = re.compile(rf"(?:\b(?:if|should|in case(?: of)?|in the event (?:of|that)|at (?:any )?signs? of)|"
                               rf"^\W*any(?!\s+(?:questions|queries)))\b{_NOT_ABOUT_HEALTH}"   # "Any fever, phone us"
                               rf"{_SENTENCE}{{0,160}}?{_ACT_AFTER}(?!{_SENTENCE}{{0,40}}?(?:{WHEN.pattern}))"
                               # "when there is headache ..., come to the hospital straight away"
                               rf"|\bwhen\b{_SENTENCE}{{0,160}}?{_ACT_AFTER}{_SENTENCE}{{0,40}}?"
                               r"\b(?:straight away|immediately|at once|urgently|right away|without delay)\b",
                               re.IGNORECASE)
# ("→ call hotline", "| Call GP / 111 same day |": an arrow or a table's next cell is a dash too)
DASH_THEN_CARE = re.compile(r"\w(?:[^.;:]|\.(?=\d)){3,160}?\s(?:[–—=→|-]|->|=>)\s*(?:please\s+)?(?:call|phone|"
                            r"telephone|ring|contact|seek|report|inform|tell|bring|take|return|go\s+to|come\s+(?:to|back)|"
                            rf"999|911|112|000|{_ATTEND_URGENTLY})\b", re.IGNORECASE)
# "Black tarry stools or vomiting blood: go to the ER": what happens, a colon, then the act.
COLON_THEN_CARE = re.compile(r"^\W*(?:please\s+)?(?:call|dial|phone|telephone|ring|go\s+(?:straight\s+)?to|"
                             r"come\s+(?:straight\s+)?(?:to|back)|return\s+to|seek|attend)\b", re.IGNORECASE)
# "Heavy bleeding or a fever mean you need to go to the Emergency Department": what happens means an act.
MEANS_CARE = re.compile(rf"\bmeans?\s+(?:that\s+)?(?:you|he|she|they|your\s+\w+)\s+(?:need|needs|should|must)\s+"
                        rf"(?:to\s+)?(?:urgently\s+|immediately\s+)?{_ACT_AFTER}", re.IGNORECASE)
REPORT_TO = re.compile(rf"\b(?:to|must|should|please)\s+(?:be\s+)?report(?:ed)?\b{_SENTENCE}{{0,100}}?\bto\s+"
                       r"(?:the|your|us|a|an)\b", re.IGNORECASE)
SEE_IF = re.compile(r"\bsee\s+(?:your|a|the)\s+[^.;]{0,30}?\bif\b", re.IGNORECASE)
AMBULANCE = re.compile(r"\b(?:call|dial|phone|ring)\s+(?:for\s+)?(?:9-?1-?1|999|112|000|an ambulance)\b", re.IGNORECASE)
# "Attend A&E immediately.", "Go straight to the emergency department": an order, where a sentence opens, to go to
# emergency care now, which the sentence before has given its reason for; and "... is an emergency", said now.
TO_EMERGENCY_NOW = re.compile(
    r"^\W*(?:please\s+)?(?:attend|go|come|return|present|get|seek)\b[^.;]{0,40}?"
    r"\b(?:A&E|ED|ER|emergency|casualty|urgent care)\b[^.;]{0,40}?"
    r"\b(?:immediately|urgently|at once|right away|straight away|without delay|now)\b"
    r"|\b(?:is|are)\s+(?:an?\s+)?(?:medical\s+)?emergency\b(?![^.;]{0,20}\b(?:department|room|unit|services)\b)",
    re.IGNORECASE)


def _dash_then_care(text: str) -> bool:
    """ "Fast breathing or blue lips - bring the child to emergency", also after a label ("Mother explained: ...")
    and in a table row ("| Temp > 37.8 | Call GP |")."""
    parts = text.split(":")
    return any(DASH_THEN_CARE.match(part.lstrip("•*-·–| ")) for part in parts) or any(
        len(before.split()) >= 3 and COLON_THEN_CARE.match(after) for before, after in zip(parts, parts[1:]))


_CARE_WORDS = ("return", "back", "come", "call", "phone", "attend", "seek", "bring", "contact", "consult")
_CARE_SPELLING_CUTOFF = 83   # rapidfuzz ratio: "retrun" (83.3) -> "return", "bak" -> "back"; "callus" (80) stays


def seeks_care_if(text: str) -> bool:
    """ "Return for numbness in your legs or weakness", "bring her back if she stops drinking", "RTED fever",
    and the same with the act misspelt ("retrun if fevr")."""
    return _seeks_care(text) or _seeks_care(_care_words_spelt(text))


def _seeks_care(text: str) -> bool:
    listed = SEEK_CARE_FOR_A_LIST.search(text)
    return bool(SEEK_CARE_IF.search(text) or (listed and not WHEN.search(listed.group("before"))) or
                TRIGGER_THEN_CARE.search(text) or _dash_then_care(text) or
                REPORT_TO.search(text) or AMBULANCE.search(text) or (SEE_IF.search(text) and not WHEN.search(text))
                or TO_EMERGENCY_NOW.search(text) or MEANS_CARE.search(text))


def _care_words_spelt(text: str) -> str:
    """Words that are not English and are a letter or two from an act of seeking care, put right."""
    english = known_words()

    def fixed(match: re.Match) -> str:
        word = match.group()
        if word.lower() in english:
            return word
        best = process.extractOne(word.lower(), _CARE_WORDS, scorer=fuzz.ratio, score_cutoff=_CARE_SPELLING_CUTOFF)
        if not best or word.lower().startswith(best[0]):   # "phoned", "consults": a form of the word, not a slip
            return word
        return best[0]
    return re.sub(r"[A-Za-z]{3,}", fixed, text)


# ("was told to follow up with her PCP" reports an instruction still to be carried out)
_PAST = re.compile(r"\b(?:(?:was|were|has been|have been)(?!\s+(?:told|advised|instructed|asked)\s+to\b)|had|"
                   r"previously|previous|saw|attended|did not attend|"
                   r"during (?:this|the|her|his) (?:admission|stay)|last (?:week|month|year))\b", re.IGNORECASE)


# Someone will contact the patient: "the heart failure nurse to telephone", "they will call to schedule".
_CONTACT_ACT = re.compile(r"\b(?:will|to|shall)\s+(?:\w+\s+)?(?:visit|see|review|call|telephone|phone|ring|contact|"
                          r"attend)\b",
                          re.IGNORECASE)


# A session of treatment the patient goes to, at a place, at a time: "Haemodialysis Tue/Thu/Sat 0700 at the Renal
# Unit", "Dressings at the Health Centre every Mon/Wed/Fri", "Next cycle due 18/07 at the day ward".
_SESSION = re.compile(r"\b(?:dialysis|haemodialysis|hemodialysis|chemo\w*|cycle|radiotherapy|fractions|infusions?|"
                      r"transfusions?|banding|paracentesis|DOTS|phototherapy|dressings?|dressing changes?|sessions?)\b",
                      re.IGNORECASE)
_SESSION_PLACE = re.compile(r"\b(?:unit|cent(?:re|er)|clinic|ward|day ?care|day unit|hospital|PHC|surgery|"
                            r"practice)\b", re.IGNORECASE)
_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)\w*"
_RECURRING = re.compile(rf"\b(?:daily|weekly|fortnightly|monthly|twice weekly|every\s+\w+|{_DAY}\s*/\s*{_DAY}|"
                        r"MWF|TTS)\b", re.IGNORECASE)


def treatment_session(text: str) -> bool:
    return bool(_SESSION.search(text) and _SESSION_PLACE.search(text) and (WHEN.search(text) or
                                                                           _RECURRING.search(text))
                and not (_conditional(text) or _PAST.search(text) or _DONE.search(text)))


def arranged_visit(text: str) -> bool:
    """The form of an appointment, whatever the heading: someone who cares for the patient, and a time or their
    act of contacting the patient ("Community matron to review within 1 week", "Hospice nurse home visit
    tomorrow", "Outpatient OT at Mercy Rehab, they will call to schedule"). Not when it is conditional, past,
    declined or a medicine's line."""
    if treatment_session(text):
        return True
    carers = {match.lower() for match in WHO_WORD.findall(text)} - _NOT_A_CARER
    booked = _AT_A_TIME.search(text) and _CALENDAR_DATE.search(text)   # "Dr. Alvarez, 03/18/2025 1:30 PM"
    if not (carers or _REQUEST.search(text)) or not (_VISIT.search(text) or _CONTACT_ACT.search(text) or booked) \
            or _conditional(text):
        return False
    if _PAST.search(text) or _DONE.search(text) or NO_FOLLOW_UP.search(text) or _NOT_REQUIRED.search(text):
        return False
    if find_dose(text) or vocabulary().mentions(text) or _a_test_first(text):
        return False   # a medicine's line, whoever advised it, or a test's ("MRI lumbar spine, Imaging Center")
    return bool(WHEN.search(text) or _CONTACT_ACT.search(text) or _ARRANGE.search(text))


_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_CALENDAR_DATE = re.compile(rf"\b\d{{1,2}}[/.-]\d{{1,2}}(?:[/.-]\d{{2,4}})?\b|\b\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}\b"
                            rf"|\b{_MONTHS}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}", re.IGNORECASE)
_AT_A_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?!\d)|\b\d{1,2}\s*[ap]\.?m\b", re.IGNORECASE)
# A letter's request to the GP who reads it: "Please could the practice see her in 1-2 weeks".
_REQUEST = re.compile(r"^\W*(?:please|kindly|(?:we|i) would be grateful if|could you)\b", re.IGNORECASE)
_ARRANGE = re.compile(r"\b(?:please|kindly)\s+(?:\w+\s+)?(?:arrange|book)\b", re.IGNORECASE)
_ATTEND = re.compile(r"\b(?:attend|return|come back|go back|report to)\b", re.IGNORECASE)
# Words of WHO_WORD that name a treatment or a place rather than someone the patient will see.
_NOT_A_CARER = frozenset({"surgery", "rehab", "rehabilitation", "therapy", "therapies", "physiotherapy", "physio",
                          "program", "programs", "programme", "programmes", "referral", "referrals"})
_VISIT = re.compile(r"\b(?:visits?|review\w*|rvw|r/v|appointments?|appt|check|recheck|clinic|OPD|see|seen|removal|"
                    r"attend|follow[\s-]*up|f/u|assessment|evaluation|session|intake|scheduled|booked|consult)\b",
                    re.IGNORECASE)


_NOT_REQUIRED = re.compile(rf"\b(?:{_NOT_NEEDED}|declined|none)\b", re.IGNORECASE)
# Clinical shorthand for what was done: "Seen by the respiratory team on day 2", "Cataract surgery done on 12/01".
_SEEN_OR_DONE = re.compile(r"^\W*(?:seen|reviewed|assessed|examined|treated|discussed|admitted)\b", re.IGNORECASE)
_DONE = re.compile(rf"{_SEEN_OR_DONE.pattern}|\b(?:done|performed|completed|carried out)\b", re.IGNORECASE)


def not_an_appointment(text: str) -> bool:
    """A follow-up line that names none: "No follow-up required", "Follow up as needed" with no one to see,
    or a bare label ("Follow-up arrangements")."""
    has_who, when = WHO_WORD.search(text), WHEN.search(text)
    as_needed = _AS_NEEDED.search(text)
    label = len(text.split()) <= 3 and not when and not has_who
    none = (NO_FOLLOW_UP.search(text) and not (has_who or when)) or (
        FOLLOW_UP_DECLINED.search(text) and not (when or _STILL_TO_COME.search(text)))
    warning = _TRIGGERED.search(text) and not when   # "SOS review in casualty if breathless" is a warning sign
    header = not _SEEING.search(text) and (dates_only_of_the_record(text)   # "Admitted 3/9 - 3/13, printed 3/13"
                                           or bool(_CARE_TEAM_FIELD.match(text) and not when))
    return bool(none or (as_needed and not (has_who or when)) or label or warning or _no_visit(text, when) or
                DECLINED_BY_PATIENT.search(text) or NO_FOLLOW_UP_NEEDED.search(text) or _table_header(text) or header)


# A field of the letter's header that names who looks after the patient ("Case Manager: Jolene Pratt, RN", "GP: Dr R.
# Sandhu, Kingsmead Practice", "Attending Physician: ..."): with no time and no visit, no appointment.
_CARE_TEAM_FIELD = re.compile(r"^(?:[\w/-]+\s+){0,3}(?:provider|physician|doctor|consultant|attending|manager|worker|"
                              r"nurse|pcp|gp|pharmacist|co-?ordinator|surgeon|therapist|cns|midwife)\s*:",
                              re.IGNORECASE)


def says_no_visit(text: str) -> bool:
    """The form of the sentence says no visit is to come of it: done ("referral completed", "seen by the
    respiratory team"), none or not needed even with someone named, or not an appointment at all (declined
    included). A signal for the follow-up probe, which weighs it against the words of the sentence; the rules
    apply each of these checks only where it decides alone."""
    return bool(_already_done(text) or NO_FOLLOW_UP.search(text) or _NOT_REQUIRED.search(text)
                or _ONLY_CONSIDERED.search(text)) or not_an_appointment(text)


# "?dietician referral to be considered", "consider referral to endocrinology": a thought, not a visit booked
_ONLY_CONSIDERED = re.compile(r"\bto be considered\b|\bconsider(?:ing)?\s+(?:an?\s+)?(?:[\w-]+\s+){0,2}referral\b"
                              r"|^\W*\?\s*[A-Za-z]", re.IGNORECASE)


# "Bloods to be done in 1 week", "Echo will be performed as an outpatient": still to come
_TO_BE_DONE = re.compile(r"\b(?:to|will|should|must|shall|can)\s+be\s+(?:done|performed|completed|carried out)\b",
                         re.IGNORECASE)


def _already_done(text: str) -> bool:
    """Done ("referral completed", "CT on 3/2 was done"), not still to be done ("bloods to be done in 1 week")."""
    return bool(_DONE.search(text)) and not _TO_BE_DONE.search(text)


# "Follow-up offered with the home treatment team but declined by patient", "Physio | - | declined".
DECLINED_BY_PATIENT = re.compile(r"\b(?:declined|refused|cancell?ed|did not attend|(?-i:DNA))\b", re.IGNORECASE)
# "No urology OPD follow up required": said of a follow-up, whoever is named.
NO_FOLLOW_UP_NEEDED = re.compile(r"^\W*no\b[^.;]{0,40}\b(?:follow[\s-]*up|f/u|review|appointment)s?(?:\s+(?:is\s+)?"
                                 r"(?:required|needed|necessary|planned|arranged|indicated)\b|\W*$)", re.IGNORECASE)
# The words of a table's header row ("Clinic | Clinician | Date | Time", "Who When Where"): a header, no visit.
_HEADER_WORDS = frozenset({
    "date", "time", "when", "who", "with", "where", "what", "clinic", "clinician", "specialty", "speciality",
    "service", "reason", "notes", "note", "comment", "comments", "appt", "appointment", "appointments",
    "follow-up", "followup", "location", "venue", "booked", "booked?", "status", "type", "department", "doctor",
    "consultant", "team", "purpose", "details", "action", "actions", "by", "due", "and", "provider", "visit",
})


def _table_header(text: str) -> bool:
    words = [word.strip("|:;,.").lower() for word in re.split(r"[\s/|]+", text) if word.strip("|:;,.-")]
    return len(words) >= 2 and all(word in _HEADER_WORDS for word in words)


def _no_visit(text: str, when: re.Match | None) -> bool:
    """What was done, where the patient was discharged to, or what is not needed, with nothing still to come:
    "Seen by endocrinology during this admission", "Discharged to the care of the GP", "Directly observed therapy
    not required" (but not "Seen by physio, to be reviewed by outpatient physio", "... transport not needed" of a
    clinic appointment)."""
    if when or _STILL_TO_COME.search(text):
        return False
    seen = _SEEN_OR_DONE.search(text)
    if seen:   # "Seen by the diabetes team, follow up in diabetes clinic": a visit still named after it
        return not _VISIT.search(text, seen.end())
    return bool((_DISCHARGED_TO.search(text) or _ENDS_NOT_NEEDED.search(text)) and not _VISIT.search(text))


_STILL_TO_COME = re.compile(r"\b(?:to be|will|to (?:visit|see|review|call|arrange|book))\b|\bwho\b", re.IGNORECASE)
_DISCHARGED_TO = re.compile(r"\bdischarged\s+(?:back\s+)?(?:home\s+)?(?:in(?:to)?|to)\s+(?!follow)", re.IGNORECASE)
_ENDS_NOT_NEEDED = re.compile(r"\bnot (?:required|needed|necessary|indicated)\W*$", re.IGNORECASE)


def planned_follow_up(text: str) -> bool:
    """A follow-up told in a narrative sentence ("She will follow up with Dr. Mendez in one week"), not one that
    happened ("was seen by cardiology during this admission")."""
    return category_of(text, None) == "follow_up" and not _PAST.search(text)


def conditional_warning(text: str) -> bool:
    """ "If she develops any vomiting, she should be brought back", "return if the pain gets worse"."""
    return bool(re.search(r"\bif\b", text, re.IGNORECASE)) and bool(
        WARNING.search(text) or re.search(r"\b(?:brought back|come back|go back|be seen|see (?:a|the|your) doctor|"
                                           r"recheck|re-?evaluat\w*|seen again)\b", text, re.IGNORECASE))
