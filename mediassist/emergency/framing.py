"""How a message is framed, clause by clause: hypothetical, about the record, in the past, denied, a general
question, or said to be happening now.

These are rules of grammar and time, not lists of symptoms: the symptom itself is recognised by the
embedding model (see detector.py). A clause is the unit, so "I had chest pain last week but now my arm is numb"
keeps its past and its present apart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


def _any(*alternatives: str) -> str:
    return "(?:" + "|".join(alternatives) + ")"


SUBJECT = _any("i", "he", "she", "we", "they", "it", "you", r"my \w+", r"his \w+", r"her \w+")

# "and" starts a new clause only before a new subject or time: "discharged yesterday and now my chest hurts".
# A question tacked on after a statement starts a clause too: "i have chest pain what do i do".
CLAUSE_BREAK = re.compile(r"[.!?;,:\n()]+|\b(?:but|although|though|however|except|because|cause|so)\b|"
                          r"\band (?=(?:now|today|tonight|then|i|im|ive|he|hes|she|shes|they|theyre|my|his|her)\b)|"
                          r"(?<=[a-z0-9])(?<!what)(?<!how)(?<!when)(?<!where)(?<!why)(?<!who)"
                          r" (?=(?:what|how|should i|should we|do i|do we|is (?:this|that|it)|can i|"
                          r"any advice|pls|please)\b)")

HYPOTHETICAL = re.compile("|".join((
    r"(?<!sure )(?<!know )(?<!wonder )(?<!wondering )\b(?:if|whether|in case|incase|whenever|suppose|supposing|"
    r"unless|should (?:i|he|she|we) (?:get|have|develop|notice|start))\b",
    r"\bwhen (?:to|should|do|would|can|is it|does|might|will)\b",
    r"\b(?:will|would|might|could) (?:i|my|it|he|she|this|there) (?:get|have|develop|need|be)\b",
    r"\bhow (?:do|would|can|will|could|should) (?:i|you|we|they|one) (?:know|tell|recogni[sz]e|spot)\b",
    r"\b(?:signs?|symptoms?|red flags?)(?: and symptoms)? (?:of|for|like|such as|include|to watch|that)\b",
    r"\b(?:warning signs?|red flags?|danger signs?)\b",
    r"\b(?:watch|look|keep an eye|be alert)(?: out)? for\b",
    r"\b(?:prevent|avoid|risk of|risk for|chance of|chances of|likely to|likelihood)\b",
    r"\b(?:worried|scared|afraid|fear|nervous|anxious|worry)(?: \w+)? (?:about|of|that)\b",
    r"\bwhat (?:happens|should|do|would|to do)\b",
)))

RECORD = re.compile("|".join((
    r"\b(?:summary|report|papers?|paperwork|discharge|letter|notes?|chart|records?|instructions|sheet|form|"
    r"document|file)\b",
    r"\b(?:doctors?|dr|nurses?|they|consultant|gp) (?:\w+ )?(?:says?|said|wrote|told|mentioned|thinks?|thought)\b",
    r"\b(?:mentions?|mentioned|listed|written|documented|diagnosed|diagnosis|history of|h/o|hx)\b",
    r"\b(?:what does|what do|whats|what is|what are|what was|meaning of|define|mean|means|stand for)\b",
    r"\b(?:treated|admitted|hospitali[sz]ed|tested|screened|evaluated|worked up|ruled out)\b",
    r"\b(?:side effects?|adverse effects?)\b",
    r"\b(?:did|was|were) (?:i|he|she|they|we) (?:have|had|get|got|a|an|in)\b",
    r"\b(?:cause|caused|causes|why did)\b",
)))

PAST = re.compile("|".join((
    r"(?<!since )(?<!the )(?<!this )\blast (?:week|month|year|night|time|weekend|visit|stay|admission|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|spring|summer|autumn|fall|winter)\b",
    r"(?<!since )\byesterday\b", r"\bthe other day\b", r"\bin the past\b", r"\bused to\b", r"\bpreviously\b",
    r"\bas a (?:kid|child|teen|teenager|baby)\b", r"\bin (?:19|20)\d\d\b", r"\bbefore i was (?:admitted|discharged)\b",
    r"\b(?:\d+|an?|one|two|three|four|five|six|few|several|couple(?: of)?|many) (?:days?|weeks?|months?|years?) ago\b",
    r"\b(?:years|months|ages|a long time|long) ago\b",
    r"\b(?:in|at) (?:the )?(?:hospital|icu|intensive care|ward)\b", r"\bwhile (?:i|he|she) (?:was|were)\b",
    r"\bduring (?:my|the|his|her) (?:\w+ )?(?:stay|admission|surgery|operation|procedure)\b",
    r"\bon (?:admission|arrival)\b", r"\bwhen (?:i|he|she) (?:came|was brought|arrived|was admitted)\b",
    r"\b(?:is|its|has|have|was|were|are) (?:all |completely )?(?:gone|over|resolved|better|fine now|settled)\b",
    r"\bwent away\b", r"\bgone now\b", r"\bresolved\b", r"\bcleared up\b", r"\bno longer\b",
)))
PAST_TENSE = re.compile(r"\b(?:i|he|she|we|they) (?:had|was|were)\b(?! to)")

# Said anywhere, it undoes the past: "I had chest pain last week and now it's back".
BACK_OR_WORSE = (r"\b(?:its|it is|it has|is|has) (?:come )?back\b|\bcame back\b|\bcoming back\b|\breturned\b|"
                 r"\bstarted again\b|\bagain (?:now|today|tonight)\b|\bhappening again\b|\b(?:getting|got) worse\b|"
                 r"\bworse now\b|\bat the moment\b")
STILL_GOING = re.compile(rf"{BACK_OR_WORSE}|\bstill\b|\bright now\b")

NOT_IN_STATE = r"(?:im|hes|shes|theyre|were|its) (?:not|never)\b"
SUBJECT_DOES_NOT = r"(?:i|he|she|we|they) (?:dont|doesnt|do not|does not)"
SUBJECT_DID_NOT = (r"(?:i|he|she|we|they) (?:didnt|did not|havent|hasnt|have not|has not|am not|is not|isnt|wasnt|"
                   r"was not|never)")
HAVING = r"(?:have|had|get|got|feel|felt|notice|noticed|think|been)"
NOTHING = r"(?:no|not|never|without|denies|denied|none|nothing|negative for)\b"

DENIED = re.compile(rf"^(?:{NOT_IN_STATE} ?(?:been )?|"
                    rf"(?:{SUBJECT_DOES_NOT}|{SUBJECT_DID_NOT})(?: {HAVING})? ?(?:any )?|{NOTHING})")
# Narrower, for self-harm: "I don't want to carry on", "I don't see the point" deny no thing; they say the thing.
# Only a present "don't" before a verb of having or feeling ("I don't feel suicidal") is a denial there.
DENIES_HAVING = re.compile(rf"^(?:{NOT_IN_STATE}|{SUBJECT_DID_NOT}\b|{SUBJECT_DOES_NOT} (?:{HAVING}|any)\b|{NOTHING})")

# Said to be so now: a subject in a state, a present progressive, a sudden onset, minutes counted, a plea.
STATE_NOW = re.compile("|".join((
    rf"\b{SUBJECT} (?:have|has|am|is|are|feel|feels|keep|keeps|cant|cannot|wont|just|suddenly|started|keeps)\b",
    r"\b(?:im|ive|hes|shes|theyre|its)\b",
    r"\b(?:is|are|am)\s+(?:not\s+|still\s+|just\s+)?\w+ing\b",   # present progressive: "is not breathing"
    r"\bcurrently\b", r"\bat the moment\b", r"\bsudden(?:ly)?\b",
    r"\b(?:for|since) (?:the )?(?:last |past )?(?:\d+|an?|one|two|few|couple of) (?:minutes?|mins?|hours?|hrs?)\b",
    r"\b(?:having|getting|turning|becoming)\b", r"\bhelp\b", r"\bpl(?:ea)?se?\b|\bpls\b",
)))
# Only the time of a question: "what tablets is she on now", "is he still on metformin", "what is she going home
# with". Said of a state these words make it present too; alone in a question they ask about the plan.
TIME_OF_ASKING = re.compile(r"\b(?:right )?now\b|\bstill\b|\b(?:today|tonight|this (?:morning|afternoon|evening))\b|"
                            r"\bgoing\b")
PRESENT = re.compile(f"{STATE_NOW.pattern}|{TIME_OF_ASKING.pattern}")

# Closed classes of words that soften or sharpen what is said: "a bit of bruising, fading" vs "soaked, won't stop".
MILD = re.compile(r"\b(?:slight(?:ly)?|a (?:little )?bit|bit of|mild(?:ly)?|a little|minor|small amount|tiny|tinge|"
                  r"spotting|fading|clearing|settling|settled|improving|easing|eased|getting better|much better|"
                  r"normal|usual|expected|ok|okay|fine)\b")
SEVERE = re.compile(r"\b(?:severe(?:ly)?|worst|really bad|very bad|so bad|terrible|horrible|unbearable|excruciating|"
                    r"agony|heavy|heavily|a lot of|lots of|loads of|pouring|gushing|soaking|soaked|wont stop|cant stop|"
                    r"not stopping|getting worse|worse and worse|rapidly|sudden(?:ly)?|all of a sudden|cant|cannot|"
                    r"unable|not responding|wont wake|emergency|ambulance|911|999|112|000|urgent(?:ly)?)\b"
                    # a cry for help, not "someone to help him in and out"; now as in "right now", not "now that
                    # im home", "for now" or "from now on", which every question after discharge may say
                    r"|(?<!to )\bhelp\b(?! (?:him|her|them|with|out)\b)"
                    r"|(?<!for )(?<!from )(?<!till )(?<!until )(?<!by )\bnow\b(?! that\b| on\b| (?:im|hes|shes|were|"
                    r"theyre|i am|he is|she is|we are|they are|i'm) (?:home|out|back|discharged|off|on)\b)")

PERSON = re.compile(r"\b(?:i|im|ive|id|me|my|mine|we|our|us|he|hes|she|shes|his|her|him|they|theyre|their|them|"
                    r"husband|wife|son|daughter|mom|mum|mam|dad|mother|father|baby|child|kid|friend|partner|"
                    r"grandma|grandpa|nan|gran|brother|sister|patient|resident|client)\b")
QUESTION_START = re.compile(r"^(?:is|are|does|do|can|could|should|will|would|what|whats|how|why|when|which|who|"
                            r"may|might)\b")


@dataclass(frozen=True)
class Clause:
    text: str
    hypothetical: bool    # "what should I do if ...", "signs of ...", "worried about ..."
    about_record: bool    # about the summary, the diagnosis, a word's meaning, a cause
    past: bool            # set in the past or over, and nothing says it is back
    past_time: bool       # a time in the past is named ("last year", "3 weeks ago"), not only a past tense
    denied: bool          # "no chest pain now", "I don't have any bleeding"
    denies_having: bool   # denied, and not a "don't" of wishing or seeing: "I don't want to go on" says a thing
    general: bool         # a question that names no person: "is vomiting blood a side effect?"
    asks: bool            # a question: "what tablets is she on now"

    @property
    def framed(self) -> bool:
        return self.hypothetical or self.about_record or self.past or self.denied or self.general


@dataclass(frozen=True)
class Framing:
    clauses: tuple[Clause, ...]
    present: bool         # something says it is happening now
    state_now: bool       # a state is said to be so now, beyond the time of a question ("now", "still")
    still_going: bool
    mild: bool            # softened: "a bit", "slight", "fading", "is that normal"
    severe: bool          # sharpened: "worst", "soaked", "won't stop", "help", "ambulance"

    @property
    def any_hypothetical(self) -> bool:
        return any(c.hypothetical for c in self.clauses)

    @property
    def any_about_record(self) -> bool:
        return any(c.about_record for c in self.clauses)

    @property
    def any_past(self) -> bool:
        return any(c.past for c in self.clauses)

    @property
    def only_asks(self) -> bool:
        """Every clause is a question and nothing says something is happening now: "what dose?", "how many can he
        take at once?", "is he still on metformin?", but not "is it bad that i cant feel my legs?"."""
        return bool(self.clauses) and all(c.asks for c in self.clauses) and not self.state_now


def normalise(text: str) -> str:
    """Lower case, no apostrophes ("can't" -> "cant"), hyphens and slashes as spaces, single spaces."""
    text = text.lower()
    text = re.sub(r"['\u2018\u2019\u02bc`\u00b4]", "", text)
    text = re.sub(r"[-/\u2013\u2014_*\"]", " ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def split_clauses(text: str) -> list[str]:
    return [part.strip() for part in CLAUSE_BREAK.split(text) if part and re.search(r"[a-z]", part)]


def frame(normalised: str) -> Framing:
    still_going = bool(STILL_GOING.search(normalised))
    clauses = tuple(_clause(part, still_going) for part in split_clauses(normalised))
    now_clauses = [c.text for c in clauses if not c.past]
    state_now = bool(re.search(BACK_OR_WORSE, normalised)) or any(STATE_NOW.search(text) for text in now_clauses)
    present = still_going or any(PRESENT.search(text) for text in now_clauses)
    return Framing(clauses=clauses, present=present, state_now=state_now, still_going=still_going,
                   mild=bool(MILD.search(normalised)), severe=bool(SEVERE.search(normalised)))


def _clause(text: str, still_going: bool) -> Clause:
    return Clause(text=text,
                  hypothetical=bool(HYPOTHETICAL.search(text)),
                  about_record=bool(RECORD.search(text)),
                  past=bool(PAST.search(text) or PAST_TENSE.search(text)) and not still_going,
                  past_time=bool(PAST.search(text)) and not still_going,
                  denied=bool(DENIED.match(text)),
                  denies_having=bool(DENIES_HAVING.match(text)),
                  general=bool(QUESTION_START.match(text)) and not PERSON.search(text),
                  asks=bool(QUESTION_START.match(text)))
