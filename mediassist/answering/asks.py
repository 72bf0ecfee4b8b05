"""What a question asks for (a dose, how often, how long, when, who, where, a phone number, a reading), and
whether a line gives it.

These are patterns of form: "how much" asks for an amount, and "500 mg", "2 puffs" are amounts, whatever the
drug. A line that names what was asked about but lacks the detail asked for lets the answer say so plainly.
"""
from __future__ import annotations

import re

_I = re.IGNORECASE
_SMALL_NUMBERS = r"one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen"
_N = rf"(?:\d+|{_SMALL_NUMBERS}|a|a few|several)"
_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                 "fifteen", "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "half", "dozen")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_UNITS = r"(?:days?|weeks?|wks?|months?|mos?|years?|yrs?)"
_SPAN = rf"{_N}(?:\s*(?:-|to)\s*{_N})?\s*(?:more\s+)?(?:{_UNITS}|doses?)"
_TIME_SPAN = rf"{_N}(?:\s*(?:-|to)\s*{_N})?\s*(?:more\s+)?{_UNITS}\b(?!\s*(?:ago|daily|a day|per|max))"
# A number of days or weeks standing alone ("Crutches - 2 wks", "| 12 months |", "(3 months)", "six-week course"),
# not after how often ("every 2 days", "three times a day") nor before "ago" or "old".
_COUNT = rf"(?:\d+|{_SMALL_NUMBERS}|several)"   # as _N, without "a"
_HOURS = r"\d+(?:\s*(?:-|to)\s*\d+)?\s*(?:hours?|hrs?)"
# "for up to 3 days", "for at least 6 weeks": a bound before the number says how long all the same
_BOUND = r"(?:(?:up to|at least|at most|no more than|not more than|a maximum of|about|around|approximately) )?"
_BARE_SPAN = (rf"(?<![\w/.])(?<!every )(?<!per )(?<!times )(?<!times a )(?<!q){_COUNT}"
              rf"(?:\s*(?:-|to)\s*{_COUNT})?[\s-]*{_UNITS}\b"
              r"(?![\s-]*(?:ago|old|daily|a day|per|max|pregnant|gestation|postpartum|post-?op\w*|prior)\b)")
# "for the next week", "over the coming days"; "discharged on post-operative day 2" (how long the stay was)
_NEXT_STRETCH = r"\b(?:for|over) the (?:next|following|coming) (?:few |couple of )?(?:days?|weeks?|months?|fortnight)\b"
_DAY_AFTER = r"\b(?:post-?op(?:erative)?|postoperative) day \d+\b|\bpod\s*#?\d+\b"
_COUNTED_DOSE = r"(?:tablets?|tabs?|pills?|capsules?|puffs?|drops?|doses?|units?|mg|ml|sachets?|sprays?)\b"
# A day of the calendar: "Mar 19", "12th of March", "04/05/2025", "16.04.2025"; not "7-10 days" nor "TSH 1.7"
_CALENDAR_DATE = (rf"(?:{_MONTH}\.?\s+\d|\d{{1,2}}(?:st|nd|rd|th)?(?: of)?[ -]{_MONTH}\b"
                  r"|\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\d{1,2}-\d{1,2}-\d{2,4}\b|\d{1,2}\.\d{1,2}\.\d{2,4}\b)")
# "What time do I take it?" asks how often (at what times of day); "what time is her appointment?" asks when.
_TAKING = r"\b(?:take|taken|taking|give|given|use|inject|apply|dose)\b"
_TAKEN = rf".*{_TAKING}"
# "When should I come back?" asks on what condition, not for a date.
ASKS_A_CONDITION = re.compile(r"\b(?:come|go|bring \w+|get \w+|take \w+) (?:right |straight )?back\b|"
                              r"\bto (?:the )?(?:er|ed|a&e|emergency)\b|\bserious\b|\bworr(?:y|ied)\b|\bcall\b|"
                              r"\bworse\b|\bemergency\b", _I)

# Each pattern is narrow on purpose: a question read as asking for a detail the lines lack is told "your summary
# does not give ...", so a form that may mean something else ("when taking warfarin", "where is my stent",
# "what number should her sugar be") is left to the lines alone.
ASKS = {
    # "how much longer" asks how long; "how many sessions a week" asks how often
    "dose": re.compile(r"\bhow much\b(?! (?:longer|more time)\b)|"
                       r"\bhow many\b(?! (?:more )?(?:times|days|weeks|months|hours)\b)"
                       rf"(?! (?!{_COUNTED_DOSE})(?:\w+ ){{1,2}}(?:a|per) (?:day|week)\b)|"
                       r"\bdose\b|\bdosage\b|\bstrength\b|\bwhat (?:amount|mg)\b|\bhow strong\b", _I),
    "frequency": re.compile(rf"\bhow (?:often|many times)\b|\bwhat time\b(?={_TAKEN})|{_TAKING}.*\bwhat time\b|"
                            r"\bwhen (?:do|should) (?:i|we|he|she) (?:take|give|use)\b"
                            r"(?! (?:him|her|them|me|us) (?:to|in|back)\b)(?! \w+ back\b)|"
                            rf"\bhow many (?!{_COUNTED_DOSE})(?:\w+ ){{1,2}}(?:a|per) (?:day|week)\b|"
                            r"\btimes a (?:day|week)\b|\bmorning or\b|\bat night\b", _I),
    "duration": re.compile(r"\bhow long\b(?! (?:till|til|until|before)\b)|\bhow much (?:longer|more time)\b|"
                           r"\bfor how many (?:days|weeks)\b|"
                           r"\b(?:until|till) when\b|"
                           r"\bwhen (?:can|do|should) (?:i|we|he|she) stop\b", _I),
    # "how long till the staples come out?" asks when, and "in 10 days" answers it as well as a date
    "span": re.compile(r"\bhow many (?:more )?(?:days|weeks|months)\b|\bhow long (?:till|til|until|before)\b", _I),
    "date": re.compile(r"\bwhen (?:and where )?(?:is|are|will|do|does|should|can)\b|\bwhen'?s\b|"
                       rf"\bwhat (?:day|date)\b|\bhow soon\b|\bwhich day\b|\bwhat time\b(?!{_TAKEN})|"
                       r"\b(?:exact )?date (?:and time )?(?:of|for) (?:my|the|her|his|their|our)\b", _I),
    "who": re.compile(r"\bwho\b|\bwhich (?:doctor|clinic|specialist)\b|\bwhat (?:doctor|clinic)\b", _I),
    # where to go or be seen, not "where is my stent" nor "where is she bleeding from"
    "place": re.compile(r"\bwhere (?:do|should|will|can|must) (?:i|we|he|she|they) (?:go|attend|be seen)\b|"
                        r"\bwhere (?:is|are) (?:he|she|they|mum|mom|dad) going\b|"
                        r"\bwhere (?:is|are) (?:the|my|her|his|their|our) (?:\w+ )?(?:appointments?|clinic|"
                        r"follow[- ]?ups?|visits?|rehab\w*|therapy|review|class(?:es)?|sessions?)\b|"
                        r"\bwhat address\b", _I),
    "phone": re.compile(r"\b(?:phone|telephone|contact) (?:number|no)\b|"
                        r"\b(?:what )?number (?:to|do \w+|should \w+|can \w+) (?:call|ring|phone|dial)\b", _I),
    "measure": re.compile(r"\bwhat (?:temperature|temp)\b", _I),
}

GIVES = {
    "dose": re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|g|gm|grams?|ml|mL|cc|units?|u(?!\s*/\s*l\b)|iu|mmol|meq|"
                       r"tablets?|tabs?|capsules?|caps?|puffs?|drops?|sprays?|patch(?:es)?|sachets?|teaspoons?|tsp|"
                       r"l|litres?|liters?|lpm|l/min|cups?|glasses|oz|ounces?|bottles?)\b|\b\d+(?:[.,]\d+)?\s*%"
                       r"|\b(?:one|two|three|half|1/2)\s+(?:tablets?|tabs?|capsules?|puffs?|drops?)\b"
                       rf"|\b(?:\d+|{_SMALL_NUMBERS})\s+(?:more\s+)?(?:doses?|tablets?|tabs?|pills?|capsules?)\b", _I),
    "frequency": re.compile(r"\b(?:once|twice|three times|four times|\d+\s*times)\b|\b(?:daily|nightly|weekly|"
                            r"hourly|every|each)\b|\b(?:b\.?i\.?d|t\.?i\.?d|q\.?i\.?d|q\.?d|q\.?h\.?s|h\.?s|prn|"
                            r"p\.?r\.?n|od|bd|tds|qds|mane|nocte|sos|stat)\b|\bq\.?\s?\d+\s*h|\bat (?:bedtime|night)\b|"
                            r"\b\d-\d-\d\b|\bin the (?:morning|evening)\b|\bas needed\b|\bwith meals\b|"
                            r"\b\d+\s*x\s*(?:/|a |per )\s*(?:day|d|week|wk|month)\b|"
                            # "12 units ON", "5mg OM": at night, in the morning (UK and South-East Asian notes)
                            r"\d\s*(?:mg|mcg|g|units?|u|iu|ml|tabs?|tablets?|puffs?)\s+(?-i:O[NM])\b|"
                            r"^\W*(?:morning|night|bedtime|evening|lunch(?:time)?|noon|midday|breakfast|dinner|supper)"
                            r"\s*:", _I),
    "duration": re.compile(rf"\b(?:for|over) (?:the (?:next|following) |another |a total of )?{_BOUND}{_SPAN}\b"
                           rf"|\bx\s*\d+\s*(?:d|{_UNITS})\b"
                           rf"|\b(?:through|thru)\s+{_CALENDAR_DATE}"   # "Continue through 04/05/2025 then STOP"
                           r"|(?:\bx|\bfor)\s*\d+\s*/\s*(?:7|52|12)\b(?!/)"   # UK "x 10/7" (days), "for 2/52" (weeks)
                           r"|\b(?:until|till|til)\b|\b(?:\d+|one|two|three|four|five|six|seven|ten)[- ]day course\b|"
                           r"\blifelong\b|"
                           r"\bindefinitely\b|\bcomplete the course\b|\btotal of\b|\bfor life\b|\blong[- ]term\b|"
                           r"\bpermanently\b"
                           rf"|[,:]\s*{_TIME_SPAN}"   # "Clopidogrel: 75 mg, once daily, 12 months"
                           rf"|{_NEXT_STRETCH}|\bfor\s+{_BOUND}{_HOURS}\b|{_DAY_AFTER}", _I),
    # a stretch of time after a word that measures one: not the "a day" of "three times a day"
    "span": re.compile(rf"\b(?:for|x|within|in|over|until|after|next|another|of)\s+(?:the (?:next|following) )?"
                       rf"{_TIME_SPAN}|{_BARE_SPAN}|(?<![\d/])\d+\s*/\s*(?:7|52|12)\b|"
                       rf"\bfor\s+{_HOURS}\b|\b(?:{_HOURS}|{_TIME_SPAN})\s+(?:after|before|post|from)\b"
                       rf"|{_NEXT_STRETCH}|{_DAY_AFTER}", _I),
    "date": re.compile(rf"\b(?:in|within|after)\s+(?:the next\s+)?{_SPAN}\b"
                       rf"|\b{_CALENDAR_DATE}|\bfortnight\b|"
                       r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|"
                       r"\btomorrow\b|\bnext week\b|\btonight\b|\btoday\b|\bthis (?:morning|afternoon|evening|week)\b|"
                       r"\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*(?:am|pm)\b"
                       rf"|\b(?:in|within|after)\s+{_HOURS}\b|\b{_HOURS}\s+(?:after|before|post)\b"
                       r"|\b\d{4}[/-]\d{1,2}[/-]\d{1,2}\b"   # 2024-07-22
                       rf"|:\s*{_TIME_SPAN}|{_BARE_SPAN}", _I),   # "Neurology: 4 weeks", "Wound check 7-10 days"
    "who": re.compile(r"\b(?:dr|doctor)\b\.?|\bclinic\b|\b[a-z]+ology\b|\b(?:pcp|gp|surgeons?|specialists?|teams?|"
                      r"physicians?|nurses?|dentists?|therapists?|cardiolog\w*|neurolog\w*|oncolog\w*|urolog\w*|"
                      r"orthop\w*|"
                      r"notify me|call me|tell me|let us know|(?-i:with [A-Z][A-Za-z]+))\b", _I),
    "place": re.compile(r"\b(?:clinic|hospital|centre|center|surgery|practice|office|department|dept|unit|ward|"
                        r"suite|room|floor|building|pharmacy|laborator(?:y|ies)|lab|street|road|avenue|address|"
                        r"home|rehab\w*|facility|hospice|emergency|ambulance|911|999|112|opd|outpatients?|"
                        r"out-patients?|casualty|gp)\b"
                        r"|(?-i:\b(?:at|in) (?:the )?(?:[A-Z][a-z]+|[A-Z]{2,})|\b(?:ER|ED|A&E)\b)", _I),
    # generous on purpose (an ID number counts too): a number is never said to be missing when a line has one
    "phone": re.compile(r"\+?\(?\d(?:[ ().-]{0,2}\d){6,}|\b(?:ext|extension|bleep|pager|tel)\b|"
                        r"\b(?:call|ring|dial|phone|on)\s*:?\s*\d{3,}|\b(?:911|999|111|112|108|000)\b", _I),
    "measure": re.compile(rf"\d|\b(?:{'|'.join(_NUMBER_WORDS)})\b", _I),
}

# "What's the water pill called?", "which antibiotic was I on?": the name of a medicine, which a line gives only
# by naming one drug (of the kind asked: drug_kinds.py), not by "some water pill" or "treated with antibiotics".
_MEDICINE = (r"(?:medicines?|meds|medications?|tablets?|pills?|drugs?|capsules?|antibiotics?|inhalers?|puffers?|"
             r"injections?|jabs?|shots?|thinners?|steroids?|statins?|diuretics?|painkillers?|antihistamines?)")
ASKS_A_NAME = re.compile(rf"\bwhat(?:'s|s| is| was)? (?:the )?names? of (?:\w+ ){{0,3}}?{_MEDICINE}\b|"
                         rf"\bwhich (?:\w+ ){{0,3}}?{_MEDICINE}\b|"
                         rf"\bwhat (?:\w+ ){{0,3}}?{_MEDICINE} (?:is|are|was|were|did|do|does|am|should|has|have)\b|"
                         rf"\b{_MEDICINE}\b.*\bwhat(?:'s|s| is| are) (?:it|that|they|those|its name) called\b|"
                         rf"\b{_MEDICINE}\b.*\bwhat(?:'s|s| is) (?:it|its) name\b", _I)

DETAIL_WORDS = {"dose": "a dose", "frequency": "how often to take it", "duration": "how long",
                "span": "how long", "date": "a date or time", "who": "who to see", "place": "where to go",
                "phone": "a phone number", "measure": "the number asked for"}


def asked_details(question: str) -> tuple[str, ...]:
    """The details a question asks for, most specific first ("how much and how often" -> dose, frequency)."""
    asked = [kind for kind, pattern in ASKS.items() if pattern.search(question)]
    if "date" in asked and ({"frequency", "duration", "span"} & set(asked) or ASKS_A_CONDITION.search(question)):
        asked.remove("date")   # "when should I take it" asks how often; "when should I come back" asks on what sign
    if "place" in asked and (ASKS_A_CONDITION.search(question) or re.search(r"\bif\b", question, _I)):
        asked.remove("place")  # "where do we go if he has another fit" asks on what sign, not for an address
    return tuple(asked)


# "How many more days?" is answered by "for 5 days", "x5d", "until Friday" or "within 1 week" alike.
SATISFIED_BY = {"span": ("span", "duration", "date"),
                "place": ("place", "who")}   # a clinic, a team or the GP named says where as well as who


def gives(line: str, detail: str) -> bool:
    return any(GIVES[kind].search(line) for kind in SATISFIED_BY.get(detail, (detail,)))
