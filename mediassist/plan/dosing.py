"""Reading one medication line: its dose, route, how often, for how long, and its status (new, stopped...).

The patterns of doses ("40 mg", "2 puffs", "DOSE 5 mg"), routes ("p.o.", "by mouth"), frequencies ("b.i.d.",
"every 4-6 hours as needed") and durations ("for 5 more days"), and the words that say a medicine is new,
changed, stopped or continued; and where one drug's part of a line ends (how often it is taken, a new subject
with its verb, a relative clause that speaks of it alone). medication_lines.py finds the drugs of a line with
them; prose.py and medicines.py read the drugs named in sentences with them.
"""
from __future__ import annotations

import re

from .words import CASE_SENSITIVE_ROUTES, STATUS_WORDS

# "1,000 mg" groups thousands; "2,5 mg" and "0,4 mg" are a decimal comma, as most of Europe writes it
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:[.,]\d{1,2}(?!\d)|\.\d+)?|\.\d+)"
_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|half|a|an)"
_RANGE = rf"{_NUMBER}(?:\s*/\s*{_NUMBER})*(?:\s*(?:-|–|to)\s*{_NUMBER})?"
_STRENGTH_UNIT = (r"(?:mg|mcg|µg|ug|micrograms?|g|gm|grams?|milligrams?|mEq|meq|mmol|units?|IU|"
                  r"international units|mL|ml|cc|%|u(?!\s*/\s*[lL]\b))")   # "Insulatard 16u ON"; "45 U/L" is a level
_AMOUNT = rf"{_RANGE}\s*{_STRENGTH_UNIT}(?![A-Za-z])(?!\s*/\s*[dD][lL]\b)"   # "55 mg/dl" is a blood level
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

ROUTE = re.compile(
    r"\b(?:by mouth|per os|orally|oral|sublingual(?:ly)?|subcutaneous(?:ly)?|subcut|"
    r"intravenous(?:ly)?|intramuscular(?:ly)?|inhaled|by inhalation|via inhaler|nebuli[sz]ed|via nebuli[sz]er|"
    r"topical(?:ly)?|transdermal(?:ly)?|rectal(?:ly)?|per rectum|vaginal(?:ly)?|intranasal(?:ly)?|nasal(?:ly)?|"
    r"in (?:each|both|the (?:left|right|affected)) (?:eyes?|ears?|nostrils?)|ophthalmic|"
    r"(?:by |as an? )?injections?|via (?:PICC|G-?tube|J-?tube|NG tube|PEG)(?: line)?)\b"
    r"|(?<![\w.])p\.o\.|(?<![\w.])s\.c\.|\b(?:PO|SQ|SC|SL|IV|IVPB|IM|PR|NG|INH)\b",
    re.IGNORECASE)


FREQUENCY = re.compile(
    r"\b(?:once|twice|thrice|one time|two times|three times|four times|\d+\s*(?:\(\w+\)\s*)?(?:x|times))\s*"
    r"(?:a|an|per|/|each|every)?\s*(?:day|daily|week|weekly|night|nightly|month|hour|wk|d)\b"
    r"|\b(?:once|twice)(?:\s+(?:daily|a day|nightly|weekly))?\b"
    r"|\b(?:daily|nightly|weekly|monthly|fortnightly|hourly|every other day|on alternate days|"
    r"(?:every|each) (?:morning|evening|night|day|week|month|other day))\b"
    r"|\bevery\s+\d+(?:\s*(?:-|–|to)\s*\d+)?\s*(?:\(\w+\)\s*)?(?:hours?|hrs?|h|days?|weeks?|minutes?|mins?)\b"
    r"|\bq\.?\s?\d+(?:\s*[-–]\s*\d+)?\s*\.?\s*(?:h|hr|hrs|hours?|d|days?)\b\.?"
    r"|(?<![\w.])(?:q\.?d\.?|b\.?i\.?d\.?|t\.?i\.?d\.?|q\.?i\.?d\.?|q\.?h\.?s\.?|h\.?s\.?|q\.?a\.?m\.?|"
    r"q\.?p\.?m\.?|q\.?o\.?d\.?)(?![\w])"
    r"|\b(?:qday|qam|qpm|qhs|qod|OD|BD|BID|TID|QID|TDS|QDS|QHS|QD|nocte|mane|stat)\b"
    r"|(?-i:(?<=[0-9g] )(?:OM|ON)\b)"    # UK "20mg OM" (each morning), "40 ON" (each night); "on" is a word
    # Quebec's Latin "die" (daily), only after how it is taken: "88 mcg PO die", "1 inhalation die"
    r"|(?:(?<=\bPO )|(?<=\bSC )|(?<=\bSL )|(?<=\bIM )|(?<=\bIV )|(?<=\binhalation ))die\b"
    r"|\b\d+(?:\s*-\s*\d+)?\s*hourly\b"
    r"|\bat (?:bedtime|night|noon|breakfast|lunch|dinner|supper)\b|\bin the (?:morning|evening)\b"
    r"|\b(?:before|after|with) (?:meals|each meal|breakfast|dinner|supper|food)\b"
    r"|\b(?:a|per) (?:day|week)\b"
    r"|\bas (?:needed|required|directed)\b(?:\s+for\s+[^,.;()]+)?"
    r"|\bwhen required\b|(?<![\w.])p\.?r\.?n\.?(?![\w])(?:\s+(?:for\s+)?(?!plus\b)[a-z][^,.;()]*)?"
    # Indian and South Asian dose schedules, morning-noon-night ("1-0-1", "0-0-½", "1-1-1-1"); not a para count
    # (Pakistan and Bangladesh write "1+0+1")
    r"|(?<![\w./+-])(?<!para )(?:[0-4]|½|0\.5)(?:([-+])(?:[0-4]|½|0\.5))(?:\1(?:[0-4]|½|0\.5)){1,2}(?![\w/+-]|\.\d)"
    r"|\bat\s+\d{1,2}[:.]\d{2}\b(?!\s*[ap]\.?m)",   # "Lantus 18 units at 22:00": each day at that time
    re.IGNORECASE)   # EHR printouts spell the number out too: "2 (two) times a day", "every 4 (four) hours"
_FREQUENCY_GAP = re.compile(r"[\s,()]*(?:(?:and|or|then|take|when|if)\b)?[\s,()]*", re.IGNORECASE)

_NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|a|an)"
DURATION = re.compile(
    r"\b(?:for|x)\s*(?:(?:the\s+)?(?:next|another|a total of|at least|up to|about|only)\s+)?"
    rf"(?:\d+(?:\s*(?:-|–|to)\s*\d+)?|{_NUMBER_WORDS})(?:\s*-\s*|\s+)?"
    r"(?:more\s+|additional\s+|further\s+)?(?:days?|weeks?|wks?|months?|doses?|dosages?|nights?)\b"
    r"(?:\s+(?:only|total|in total))?"
    r"|\btotal(?:\s+of)?\s+\d+\s+(?:doses?|dosages?|days?)\b"
    r"|\b(?:x|for|complete)\s*\d{1,2}/(?:7|52)\b|\bx\s*\d{1,2}/12\b"   # UK "x 5/7" days, "2/52" weeks
    r"|\buntil\s+(?:your\s+|the\s+|next\s+)?(?:follow[- ]?up|seen|reviewed|told|cleared|finished|gone|"
    r"[a-z][^,.;()]{2,40})"
    r"|\b(?:while|whilst)\s+(?:on|taking|you (?:are )?tak(?:e|ing))\s+[^,.;()]+",
    re.IGNORECASE)

# A stop that ends a course is no stop of the drug: "... then 10 mg daily x 3 days, then stop", "until stopped".
ENDS_A_COURSE = r"(?<!then )(?<!until )"
# What may follow "withheld", "suspended" or "ceased" when it is no stop of the drug now: a condition ("if HR < 55"),
# a time ("during the scan"), a form ("suspended in water"), or a restart already done ("withheld 2/7, recommenced");
# "restart from Friday" is yet to come, so it leaves the stop standing.
# (within the note: "- WITHHELD (AKI) - GP to review at 1 week" is withheld; the next " - " is another note)
_NOT_A_STOP_NOW = (r"(?!(?:(?!\s[–—-]\s)[^.;])*\b(?:if|when|unless|for(?!\s+\d)|at(?!\s+present)|below|above|during|"
                   r"with|after|before|in\s+(?:water|juice|case|\d+)|water|juice|doses?|sick|shake|"
                   r"(?<!not )(?<!n't )(?:restarted|recommenced|resumed))\b)")
_EXPLICIT_STATUS = re.compile(
    r"\(\s*(new|changed?|stop(?:ped)?|continued?|hold|held|resumed?|discontinued?|increased|decreased|"
    r"reduced|restart(?:ed)?|start(?:ed)?|unchanged)\b(?!\s+(?:for|until|x\b|through|on\b))"
    r"|[:–—-]\s*(NEW|CHANGED?|STOP(?:PED)?|CONTINUED?|HOLD|HELD|RESUMED?|DISCONTINUED?)\b"
    r"|(?:^\s*|[:–—-]\s*)(off)\b(?!\s*(?:-\s*)?(?:label|and|on|loading|work)\b)"   # "- OFF", "Off aspirin"
    # "Ramipril - withheld (AKI)", "withhold until BP reviewed"; not a note on a dose or a condition ("- withhold
    # if HR < 55", "- withheld 2/7, recommenced", "- suspended in water", "- withhold: pulse < 60").
    r"|(?:^|[:–—-])\s*(withhold)(?=\s+until\b)"   # "- withhold until ...", not "if HR < 50 withhold until ..."
    # "Metformin 500 mg BD - withheld till creatinine rechecked at clinic": held until then, whatever follows
    r"|[:–—-]\s*(withheld|held|suspended|paused)(?=\s+(?:until|till|til|pending)\b)"
    rf"|[:–—-]\s*(withheld|withhold|suspended|ceased|paused)\b(?!(?<=withhold)\s*:){_NOT_A_STOP_NOW}"
    rf"|(?<![\w(]){ENDS_A_COURSE}(?<!not )(?<!yet )(?<!never )"   # not "- not yet resumed"
    r"(NEW|CHANGED|STOP|STOPPED|CONTINUE|CONTINUED|DISCONTINUED|HOLD|RESUME|RESUMED|EXPIRED)"
    r"(?=\s*[.):;,]|\s*$|\s+(?-i:SIG)\b)"   # "SIMVASTATIN 20MG TAB   EXPIRED" (a VA list's status column)
    # the last cell of a table row: a hold with its reason, "Metformin 1 g BD withheld (eGFR 29)", or a change,
    # "Bisoprolol 5 mg OD increased" (a bare "Suspended" may be the heading of the lines after it)
    r"|(?:(?<=[\w)]\s)|(?<=\|)|(?<=\|\s))(withheld|held|suspended|ceased)(?=\s*\([^()]*\)\s*$)"
    r"|(?<=[\w)]\s)(increased|decreased|reduced)(?=\s*$)",
    re.IGNORECASE)
# "Do not take more than 6 tablets in 24 hours", "do not take with alcohol": a limit or a precaution, not a stop
NOT_A_LIMIT = r"(?!\s+(?:more|over|above|beyond|with|together|at the same time)\b)"
# "Do not stop taking clopidogrel", "never miss a dose": an order to keep taking it, whatever "stop" says.
KEEP_TAKING = re.compile(r"\b(?:do not|don'?t|never|must not|should not|shouldn'?t|not to)\s+(?:\w+\s+)?"
                         r"(?:(?:stop|discontinue|cease)\w*|(?:miss|skip)\w*\s+(?:a\s+|any\s+|your\s+)?dos(?:e|es))\b",
                         re.IGNORECASE)
_WEAK_STOPPED = re.compile(rf"\b{ENDS_A_COURSE}(?:stop(?:ped)?(?:\s+taking)?|discontinue[ds]?|deprescribed|"
                           rf"(?:do not|don't) (?:take|give)(?:\s+(?:her|him|them))?{NOT_A_LIMIT}|"
                           r"not to be (?:given|taken|used|restarted|prescribed)|"
                           r"(?:do not|don't|not to|never|should not|must not)\s+(?:\w+\s+)?"
                           r"(?:restart|resume|recommence)|"
                           # "has not been restarted", "not resumed (bleed)": stopped in hospital and still stopped
                           r"(?:not|n't|never)\s+(?:been\s+|yet\s+|be\s+)*(?:restarted|resumed|recommenced)\b|"
                           r"no longer (?:take|required|needed|indicated)|"
                           r"on hold|held|hold (?:off|until|this|your|the)\b|"
                           # a UK GP record's stop: "Tramadol 50 mg removed from repeats"
                           r"removed from (?:the |your |his |her )?(?:repeats?|repeat (?:list|prescriptions?)|"
                           r"prescriptions?|drug chart)\b|"
                           # "Gliclazide MR 60 mg ceased due to hypos": a stop after the dose (a bare "Suspended"
                           # at the end may head the lines after it, joined to this one); not a heading's ("Medicines
                           # withheld:" leaves the lines under it their own words), nor one on a condition
                           # ("withheld if HR < 50"), nor a form ("suspended in half a glass of water")
                           r"(?<=[\w)] )(?<!medications )(?<!medication )(?<!medicines )(?<!medicine )(?<!meds )"
                           rf"(?<!drugs )(?:ceased|withheld|suspended)\b(?!\s*$){_NOT_A_STOP_NOW})", re.IGNORECASE)
_WEAK_CHANGED = re.compile(r"\b(?:increased?|decreased?|reduced?|changed?|adjusted)\s+(?:to|from|dose)\b"
                           r"|\bdose (?:increased|decreased|reduced|changed|adjusted)\b", re.IGNORECASE)
_WEAK_NEW = re.compile(r"\b(?:newly (?:started|prescribed)|start(?:ed)? (?:taking|on)|added|new prescription)\b",
                       re.IGNORECASE)
_WEAK_CONTINUED = re.compile(r"\b(?:continue[ds]?|resume[ds]?|restart(?:ed)?)\b(?!\s+(?:for|until|x)\b)"
                             r"|\bunchanged\b|\bno change\b", re.IGNORECASE)


def only_how_taken(words: str) -> bool:
    """"PO Q6H", "PO BID": how a drug is taken and how often, where a name should be (a taper's later steps)."""
    return not re.search(r"[A-Za-z]{2}", FREQUENCY.sub(" ", ROUTE.sub(" ", words)))


def first_match(pattern: re.Pattern, text: str, start: int = 0):
    """The first match of pattern from start; a route abbreviation counts only in capitals."""
    for match in pattern.finditer(text, start):
        if pattern is ROUTE:
            found = match.group()
            if found.upper() in CASE_SENSITIVE_ROUTES and found != found.upper():
                continue   # "po" or "iv" inside ordinary words is not a route; "PO"/"IV" is
        return match
    return None


def find_dose(text: str, start: int = 0) -> tuple[int, int, str] | None:
    """(start, end, dose text): a labelled DOSE, else the first strength (40 mg), else a count (2 puffs)."""
    for pattern, group in ((_DOSE_LABEL, 1), (_STRENGTH, 0), (_COUNT, 0)):
        match = pattern.search(text, start)
        if match:
            return match.start(), match.end(), " ".join(match.group(group).split())
    return None


def find_frequency(text: str, start: int) -> tuple[int, str] | None:
    """(start, how often): the first frequency from start, with those right after it ("daily as needed")."""
    matches = [m for m in FREQUENCY.finditer(text, start)]
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
    return begin, _balanced(text, begin, end)


def _balanced(text: str, begin: int, end: int) -> str:
    """The frequency text[begin:end] with its brackets balanced and its end tidied."""
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
    return value.rstrip(" ,;")


# "Resume home amlodipine (held on admission)", "restart both on discharge", "restarted prior to discharge": taken
# again now, whatever was held in hospital. Not a restart later or on a condition ("restart at 3 mg from Thursday",
# "to restart at GP discretion", "restart when INR < 3"), nor a denied one ("do not restart").
_LATER = (r"(?![^.;]*\b(?:if|once|when|until|after|only|unless|later|next|from|starting|tomorrow|discretion|advise|"
          r"review)\b)")
RESUMED_NOW = re.compile(rf"^\W*(?:please\s+)?(?:resume|restart|recommence)\b{_LATER}"
                         r"|\b(?:resumed|restarted|recommenced|resume|restart)\b[^.;]{0,25}?"
                         r"\b(?:on|at|upon|before|prior to)\s+discharge\b", re.IGNORECASE)
_DENIAL_BEFORE = re.compile(r"\b(?:not|never|no|n't|don't|avoid)\b[\w\s]{0,12}$", re.IGNORECASE)


# "restart when INR below 3", "resume after the endoscopy", "restart at the GP's discretion": held until then
# ("resume tomorrow" is a start date, not a hold).
RESTART_LATER = re.compile(r"\b(?:resume|restart|recommence)\b(?=[^.;]*\b(?:if|once|when|until|after|only|unless|"
                           r"later|discretion|advise|review)\b)", re.IGNORECASE)


# "Metformin - pause if vomiting", "omit if unable to eat and restart when eating normally", "hold if SBP < 100":
# a stop on a condition is a rule the patient keeps while taking the drug.
ON_A_CONDITION_ONLY = re.compile(r"(?<!on )\b(?:pause|hold|omit|withhold|stop)\s+(?:it\s+|this\s+|dose\s+)?"
                                 r"(?:if|when)\b", re.IGNORECASE)


def resumed_now(text: str) -> bool:
    return any(not _DENIAL_BEFORE.search(text[:m.start()]) for m in RESUMED_NOW.finditer(text))


_LEADER_DOTS = re.compile(r"\s*\.{3,}\s*")


def explicit_status(text: str) -> str | None:
    """The status a line marks in so many words ("- STOP", ": OFF", "(held)"), or None."""
    explicit = _EXPLICIT_STATUS.search(_LEADER_DOTS.sub(" - ", text))
    return read_status(text, None) if explicit else None


def read_status(text: str, default: str | None) -> str | None:
    """A restart now wins; then an explicit status word ("(NEW)", "- STOPPED"); else stopped or changed, else
    default, else weaker words."""
    text = _LEADER_DOTS.sub(" - ", text)   # "Ramipril 5mg OD ....... WITHHELD": the dots set the word apart as a dash
    if ON_A_CONDITION_ONLY.search(text):
        return default   # "pause if vomiting (sick day rules)": a rule for bad days; the drug is taken
    if resumed_now(text):
        return "continued"
    if RESTART_LATER.search(text):
        return "held"
    explicit = _EXPLICIT_STATUS.search(text)
    keep = KEEP_TAKING.search(text)
    if explicit and not (keep and keep.start() <= explicit.start() < keep.end()):   # "- do not stop" negates it
        word = next(group for group in explicit.groups() if group).lower()
        return STATUS_WORDS.get(word, STATUS_WORDS.get(word.rstrip("d"), default))
    clause_end = re.search(r"[,;]|\s+and\s+to\s", text)   # weak words count only in the drug's own clause
    text = text[:clause_end.start()] if clause_end else text
    if KEEP_TAKING.search(text):
        return "continued"
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


def regimen_between(between: str) -> bool:
    """Do the words between two drug names end the first one's part of a list written without commas
    ("metoprolol 25 twice daily lisinopril 10 daily")? They say how often it is taken, outside any brackets
    ("co-codamol 30/500 2 tablets QDS (codeine ..." names one drug)."""
    return between.count("(") <= between.count(")") and find_frequency(between, 0) is not None


# "... as needed for chest pain she is to hold her glyburide": a new subject with its verb opens a new clause in a
# transcription without punctuation ("which she will continue", "until she is seen" do not).
NEW_SUBJECT = re.compile(r"(?<![,;])(?<!\bwhich)(?<!\bthat)(?<!\bwho)(?<!\buntil)(?<!\bif)(?<!\bwhen)(?<!\bonce)"
                         r"(?<!\bunless)(?<!\bbefore)(?<!\bafter)(?<!\bso)(?<!\bas)(?<!\band)(?<!\bor)(?<!\bbut)"
                         r"\s+(?=(?:he|she|they|we|you)\s+(?:should|will|must|is to|are to|needs? to)\b)",
                         re.IGNORECASE)


# "Stop tramadol as it interacts with your sertraline, which you should keep taking": a relative clause right
# after a drug says what becomes of that drug, whatever the clause around it says of the others.
RELATIVE_CLAUSE = re.compile(r"^\s*,?\s*(?:which|that)\s+(?P<says>(?:(?:you|he|she|they|we)\s+)?"
                             r"(?:should|will|must|is to|are to|needs? to|has been|have been|was|were|is|are)\b"
                             r"[^.;,]*)", re.IGNORECASE)


def without_relative_clauses(text: str, drug_ends: list[int]) -> str:
    """The words of a line or clause less the relative clauses right after its drugs: what is said of one drug
    there is not said of all ("Continue amlodipine as well as the atenolol, which should be stopped")."""
    for end in sorted(drug_ends, reverse=True):
        relative = RELATIVE_CLAUSE.match(text[end:])
        if relative:
            text = text[:end] + text[end + relative.end():]
    return text


def clean_field(value: str) -> str:
    return " ".join(value.split()).strip(" ,;:")
