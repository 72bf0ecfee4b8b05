"""Medicines named in sentences rather than listed, and drugs that were given only in hospital.

"Discharged home on oral Cipro", "given a prescription for Keflex and Zofran to take home", "continue his
Zantac, Lasix and lisinopril as before; hold his Coumadin", "sent to the pharmacy: Haldol 2 mg nightly".
Every sentence of the plan-bearing sections is read for drug names (drugs.py); what the sentence says about
them decides whether each is a medicine to take, to stop or to hold, or one given in hospital. The words read
are closed classes of verbs and phrases of prescribing, stopping and giving, not names of drugs.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from .appointments import WHEN
from .dosing import DURATION, ENDS_A_COURSE, KEEP_TAKING, NEW_SUBJECT, NOT_A_LIMIT, ON_A_CONDITION_ONLY, \
    RELATIVE_CLAUSE, find_dose, find_frequency, regimen_between, resumed_now, without_relative_clauses
from .drugs import FORM_ABBREVIATIONS, FORM_LETTER, DrugVocabulary, Mention, vocabulary

# Sections about before the admission or the examination: drugs named there are not the discharge plan.
HISTORY = frozenset({"Chief Complaint", "History of Present Illness", "Past Medical History", "Social History",
                     "Family History", "Review of Systems", "Physical Examination", "Allergies",
                     "Admission Medications", "Admission Diagnosis", "Results", "Keywords"})
LISTS = frozenset({"Discharge Medications"})
# Sections that tell what happened in hospital: a drug named there is in the plan only when the sentence says so.
COURSE = frozenset({"Hospital Course", "Procedures", "Consultations", "Complications",
                    "Condition at Discharge", "Discharge Diagnosis"})
# Text under no heading, or one we do not know ("Thyroid:", "Secondary prevention:"), may be the plan or the story:
# a clause that narrates ("was started", "received") is the story, read as the hospital course is.
UNHEADED = "Overview"
NARRATED = re.compile(r"\b(?:was|were|had|received|presented|underwent|admitted|previously|reports?|reported|"
                      r"years?|yrs)\b|\bin (?:19|20)\d\d\b", re.IGNORECASE)

_I = re.IGNORECASE
HOME = re.compile(
    r"\b(?:prescri\w*|rx|script|supplied|dispensed|discharg\w*(?: \w+){0,3} (?:on|with)|"
    r"sent (?:\w+ )?(?:home|out) (?:on|with)|"
    r"go(?:es|ing)? home (?:on|with)|home on|to take(?: at)? home|take home|at home|continu(?:e|es|ed|ing)|resum\w*|"
    r"restart\w*|over[- ]the[- ]counter|otc|(?:go|goes|going|went|put|switched|changed)\s+back\s+(?:on|to|onto)|"
    r"(?<![\w\s])\s*back\s+on(?:to)?|"   # "VRIII stopped at 1400, | back on own Lantus 22 units": a clause of its own
    r"start\w*(?: \w+)? on|begin|began|take|taking|use|using|apply|pharmacy|refill\w*|as needed|if needed|"
    r"when needed|p\.?r\.?n|sos|until|(?:after|on|upon|at) discharge|new medications?|advised|added|ongoing|"
    r"(?:increased|decreased|reduced|titrated|uptitrated|changed) (?:to|from)|commenc\w*)\b", _I)
STOPPED = re.compile(rf"\b{ENDS_A_COURSE}(?:stop\w*|discontinu\w*|"
                     rf"(?:(?:do|does|will|should|must) not|not to) (?:take|use|give|restart|resume|continue|start)"
                     rf"(?:\s+(?:her|him|them))?{NOT_A_LIMIT}|"
                     r"(?:(?:is|are|will|should|must) not|not to) be (?:taken|used|given|restarted|resumed|continued)|"
                     rf"don'?t (?:take|use|give|continue)(?:\s+(?:her|him|them))?{NOT_A_LIMIT}|"
                     r"no longer (?:take|use|need|needed|required|indicated)|cease\w*|deprescri\w*|avoid)\b", _I)
HELD = re.compile(r"\b(?:hold|held|withh(?:o|e)ld\w*|on hold|pause\w*|suspend\w*)\b", _I)
# "Not prescribed at discharge", "no prescriptions were given", "you do not need at home", "declined": not to take.
DECLINED = re.compile(r"\b(?:declined|refused)\b", _I)
NOT_PRESCRIBED = re.compile(r"\b(?:not (?:being |been )?(?:prescribed|needed|required|continued)|"
                            r"no (?:prescriptions?|scripts?|rx)\b|"
                            r"no\s+(?:\w+\s+)?(?:on|at|for)\s+discharge\b|"   # "no antibiotics on discharge"
                            # "will not go home on insulin"
                            r"not\s+(?:go(?:ing)?|be\s+(?:sent|discharged))\s+home\s+(?:on|with)\b|"
                            r"(?:do|does|will) not need|don'?t need)|" + DECLINED.pattern, _I)
# "Olanzapine was used PRN on the unit; | not prescribed at discharge": a note on the drugs just named, alone.
NOT_FOR_HOME = re.compile(r"^\W*(?:but\s+|and\s+)?(?:(?:was|were|is|are)\s+)?not\s+(?:being\s+|been\s+)?"
                          r"(?:prescribed|continued|needed)"
                          r"(?:\s+(?:at|on|for|after)\s+(?:discharge|home))?\W*$", _I)
GIVEN = re.compile(r"\b(?:given|gave|received|administered|treated with|was started on|were started)\b", _I)
IN_HOSPITAL = re.compile(
    r"\b(?:(?:in|on) (?:the )?(?:er|ed|a&e|emergency(?: department| room)?|department|casualty|resus|ward)|"
    r"while (?:in|inpatient|admitted)|(?:will|we|to) admit|"
    r"admit (?:him|her|them|the \w+) (?:to|for)|"
    r"during (?:his|her|their|the) (?:stay|admission|hospitali[sz]ation)|in hospital|inpatient|bolus|loading dose|"
    r"course (?:was )?completed|completed (?:a |the |his |her )?(?:\w+ )?course|"
    r"post-?op(?:eratively)?|peri-?operative(?:ly)?|pre-?op(?:eratively)?)\b", _I)
# "Enoxaparin 40 mg SC daily for 28 days post-op": a course counted in days after the operation goes on at home.
_POST_OP_COURSE = re.compile(r"\b\d+\s*(?:days?|weeks?|months?)\s+(?:post-?op(?:eratively)?|after (?:the )?surgery)\b",
                             _I)


def _in_hospital(text: str) -> bool:
    return bool(IN_HOSPITAL.search(_POST_OP_COURSE.sub(" ", text)))


# "Amoxicillin 500 mg TDS - course completed on the ward", "Enoxaparin 40 mg SC daily - inpatient only", "Lorazepam
# 2 mg IV (given in ED x1)", "Dalteparin - ward only, not for TTO": the line's own note says its use ended in
# hospital, even though it gives a dose and how often ("first dose given in the ED" says no such thing).
_PLACE = (r"(?:the\s+)?(?:hospital|ward|inpatient|er|ed|a&e|emergency(?: department| room| unit)?|department|casualty|"
          r"icu|itu|admission)")
_ONCE = r"(?:x\s*1|once|stat)"
ENDED_IN_HOSPITAL = re.compile(
    rf"\b(?:{_PLACE}\s+only|only\s+(?:in|on|during)\s+{_PLACE}|completed|finished|"
    r"last dose (?:was )?(?:given|administered)|"
    rf"{_ONCE}\s+(?:(?:given|administered)\s+)?(?:in|on|at)\s+{_PLACE}|(?:in|on)\s+{_PLACE}\s+{_ONCE}|"
    # one dose given, or given at a time of the stay: "200 mcg/kg stat given", "given at 14:32", "given on admission"
    # (not "to be given stat at the GP surgery")
    rf"{_ONCE}\s+(?:given|administered)|"
    rf"(?<!be )(?:given|administered)\s+(?:{_ONCE}|at\s+\d{{1,2}}[:.]\d{{2}}|on\s+admission)|"
    r"not for (?:tto|tta|discharge|home)|not (?:prescribed|continued) (?:at|on|for) discharge)\b", _I)
# "... (2 days completed in hospital), 5 more days at home": the course goes on.
_STILL_TO_TAKE = re.compile(r"\b(?:until|remaining|more|further|rest of)\b", _I)
HOSPITAL_ROUTE = re.compile(r"\b(?:intravenous(?:ly)?|IV|IVPB|IM|infusion|drip|nebuli[sz]er treatments?)\b")
# "Cefazolin 1 g IV every 6 hours, total 5 doses": an injection counted in doses is a ward order; a patient who goes
# home on injections is told for how long.
COUNTED_DOSES = re.compile(r"(?:\btotal(?: of)?|\bx|×)\s*\d+\s*dos(?:es|ages)\b", _I)
# ... unless the line says the doses go on outside: "x 5 more doses via PICC", "weekly x 4 doses at the GP surgery".
GIVEN_OUTSIDE = re.compile(r"\b(?:more|remaining|further|via|PICC|midline|port|home|GP|nurse|clinic|weekly|monthly|"
                           r"outpatient|after discharge)\b", _I)
DISCHARGE = re.compile(r"\b(?:discharg\w*|home|prescri\w*|pharmacy|take home|after (?:he|she|you) (?:leave|go)|"
                       r"outpatient|continue|resume|advised|(?:go|goes|going|put)\s+back\s+(?:on|to|onto))\b", _I)
# "Moved from IV co-amoxiclav to oral co-amoxiclav", "transitioned to oral amlodipine": a step down to a route a
# patient takes at home is made for going home, even in the story of the stay.
_SWITCH_VERB = r"(?:switch\w*|chang\w*|convert\w*|transition\w*|step(?:ped)? down|mov(?:e|ed)|wean\w*)"
# The words that may stand between "to" and the drug switched to: "to oral", "to the", "to subcutaneous".
_ONTO_A_ROUTE = r"(?:(?:oral|po|the|an?|subcutaneous|sc|inhaled)\s+)?"
STEPPED_DOWN = re.compile(rf"\b{_SWITCH_VERB}\b"
                          r"(?:\s+\w+){0,6}?\s+(?:to|onto)\s+(?:\w+\s+)?(?:oral(?:ly)?|PO|p\.o\.|tablets?|"
                          r"subcutaneous(?:ly)?)\b", _I)
# "switched him to Augmentin": outside the story of the stay, the drug switched to is the one the patient goes on
# with, when nothing places it in hospital (in the story, "switched to piperacillin-tazobactam 4.5 g q6h" is the
# ward's; there a switch counts only with a word of discharge, as any other sentence).
SWITCHED_ONTO = re.compile(r"^\W*(?:(?:and|then|now|for home)\s+)?(?:(?:he|she|they|we|was|were|has been|is)\s+)*"
                           r"(?:(?:switched|transitioned|changed|converted|bridged|stepped down|narrowed|"
                           r"cross-?tapered|cross-?titrated|weaned)\s+(?:\w+\s+)?(?:to|onto)|"
                           r"replaced\s+(?:with|by))\b", _I)
# "She takes gabapentin 300 TID", "has been taking Aleve", "prior to admission he was on", "he had taken two
# Nurofen Plus at midnight": what the patient took before, which says nothing of after discharge.
HABITUAL = re.compile(r"\b(?:takes|took|had (?:already )?taken|(?:has|had) been (?:taking|using|on)|"
                      r"(?:was|were) (?:taking|using)|(?:is|are) currently (?:taking|using|on)|"
                      r"(?:prior to|before) (?:this )?admission)\b", _I)
# "He has been taking Excedrin for the pain at home": where the patient took it before, not where it goes on.
AT_HOME = re.compile(r"\bat home\b", _I)
# "She will complete the taper at home", "to finish at home": the course goes on after discharge.
GOES_ON = re.compile(r"\b(?:will|should) (?:\w+ )?(?:take|continue|complete|finish)\b|"
                     r"\bto (?:complete|finish|continue)\b", _I)
# "Use saline nose drops if...", "You may give paracetamol every 4-6 hours": an instruction to the patient or carer,
# even under a heading about the stay. Only where a sentence opens: "we will | start enoxaparin" is no instruction.
IMPERATIVE = re.compile(r"^\W*(?:please\s+)?(?:(?:you|parents?|carers?|caregivers?)\s+(?:may|can|should|could)\s+)?"
                        r"(?:take|use|apply|give|continue|resume|restart|start|begin|"
                        r"keep\s+(?:on\s+)?(?:taking|giving|using|applying))\b", _I)
# A clause ends where the sentence turns from one drug to the next: "IV furosemide, transitioned to torsemide at
# discharge", "nebs given x3, discharged on a Ventolin inhaler", "stop the Bactrim and start Macrobid", "managed with
# IV Piptaz and IV Lasix, and | at discharge was put on Dytor".
TURN = (r"(?:then|now|followed by|transitioned|switched|changed|narrowed|bridged|converted|stepped down|replaced|"
        r"cross-?(?:tapered|titrated)|instead|discharged|sent home|will|advised|"
        r"(?<!\bwas )(?<!\bwere )(?<!\bbeen )start\w*|"   # "... 50 mg daily was started" is one clause
        r"continue|resume|hold|stop|discontinue|back\s+on(?:to)?|(?<=and )(?:at|on|upon) discharge)\b")
# Never between a negation and its verb ("do not | resume warfarin"), a verb and its auxiliary ("should be |
# resumed", "which she will | continue at home"), a preposition and its noun ("admit him for | continued Toradol",
# "Gliclazide on | hold until review"), and once per run of spaces.
_KEPT_WITH_WHAT_FOLLOWS = ("not", "never", "longer", "to", "be", "for", "with", "of", "on", "dont", "will", "would",
                           "should", "must", "shall", "instead")
_NOT_AFTER = "".join(rf"(?<!\b{word})" for word in _KEPT_WITH_WHAT_FOLLOWS) + r"(?<![\s,])(?<!n't)" + "".join(
    rf"(?<!\b{relative} {subject})" for relative in ("which", "that") for subject in ("he", "she", "they", "you", "we"))
# "Tab. Pan-D", "T. Pantop-D": one clause
_NOT_AFTER_A_FORM = "".join(rf"(?<!\b{form})" for form in FORM_ABBREVIATIONS) + rf"(?<!(?-i:\b{FORM_LETTER}))"
# "Stop clopidogrel before surgery, do not stop aspirin": a negation after a comma opens a clause of its own.
CLAUSE = re.compile(rf";|{_NOT_AFTER_A_FORM}\.\s+(?=[A-Z][a-z])(?<![a-z]\.[a-z]\.\s)|(?<!\s)\s+but\s+|"
                    rf"{_NOT_AFTER},?\s+(?={TURN})|,\s+(?=(?:do not|don'?t|never)\b)"
                    r"|\s+and\s+(?=(?:resumed|restarted|continued)\b)"   # "held, and | resumed at discharge"
                    # "We have stopped her doxazosin and | reduced her ramipril to 2.5 mg": another act, another drug
                    r"|\s+and\s+(?=(?:reduced|increased|decreased|changed|started|commenced|added|switched)\s+"
                    r"(?:his|her|their|your|the)\b)"
                    # "apixaban, which he will continue, | and his aspirin ... was stopped"
                    r"|,\s+and\s+(?=(?:his|her|their|your|the)\s)"
                    # "she had iv furosemide in the er, | she should go back to her usual bumetanide": a new subject
                    r"|,\s+(?=(?:he|she|they|we|you)\s+(?:should|will|can|may|must|is to|are to|needs? to)\b)"
                    rf"|{NEW_SUBJECT.pattern}"
                    # "Her metoprolol was continued | and her amlodipine was discontinued": a subject with its verb
                    r"|\s+and\s+(?=(?:his|her|their|your|the)\s+[\w-]+\s+(?:[\w-]+\s+)?"
                    r"(?:was|were|is|has been|will be)\b)"
                    # "Aspirin will be stopped, | clopidogrel will continue": after a status said, the next drug says
                    # its own; not in a list of names ("Metformin, gliclazide should be held")
                    r"|(?:(?<=stopped)|(?<=held)|(?<=continued)|(?<=discontinued)|(?<=resumed)|(?<=restarted)|"
                    r"(?<=started)|(?<=ceased)|(?<=suspended))"
                    r",\s+(?!(?:which|that|who|this|these|those|it|they|both|all|he|she|we|you|i)\b)"
                    r"(?=[\w-]+\s+(?:will|should|must|is to|are to)\s+(?:be\s+)?(?:stop|hold|held|continu|start|"
                    r"restart|resum|discontinu|withh|suspend|cease))", _I)
# "No driving while taking cough syrup with codeine": the drug names the time of a precaution, not a plan to take it.
PRECAUTION = re.compile(r"\b(?:while|whilst|when|as long as)\s+(?:(?:you|he|she|they)\s+(?:are|is|remain)\s+)?"
                        r"(?:taking|using|on)\b", _I)
UNNAMED_HOME_MEDICINES = re.compile(
    r"\b(?:continue|resume|restart)\w*\b[^.;]{0,40}\b(?:home|usual|regular|previous|other|same|current|outpatient|"
    r"pre-?admission|prior)\b[^.;]{0,20}\b(?:medications?|meds|medicines|regimen|drugs)\b", _I)


@dataclass(frozen=True)
class ProseMedicine:
    mention: Mention
    status: str          # "home" | "stopped" | "held"
    clause: str          # the words it was named in, for the dose, route and frequency
    said_in: str = ""    # the later clause that says what becomes of it ("... and resumed at discharge"), if any


def medicines_in_sentence(text: str, section: str, vocabulary: DrugVocabulary, is_item: bool = False,
                          near_discharge: bool = False) -> list[ProseMedicine]:
    """The drugs a sentence (or list item) of the given section says to take, stop or hold. A list item that
    reads as a prescription (a drug, a dose and how often) is one wherever it is, except in the history; a
    sentence of the hospital course right after "she was discharged home" is read as the plan."""
    if section == "Admission Medications" and IMPERATIVE.search(text):
        section = "Discharge Instructions"   # "Medicines at home: Give amoxicillin 400 mg ...": an order, not a record
    elif section in HISTORY:
        return []
    if is_item and section != "Hospital Course" and prescription_form(text) and not _in_hospital(text):
        section = "Discharge Medications"
    elif section in COURSE and near_discharge:
        section = "Discharge Instructions"
    found: list[ProseMedicine] = []
    offset = 0
    named: list[ProseMedicine] = []   # the drugs of the last clause that named any, whatever it said of them
    given_here = False                # ... and whether that clause gave them in hospital
    since_named = ""
    for clause in CLAUSE.split(text):
        start = text.find(clause, offset)
        offset = start + len(clause)
        opens = _opens_sentence(text[:start])
        mentions = [m for m in vocabulary.mentions(clause) if not _a_kind_then_a_time(clause, m, vocabulary.classes)]
        own_words = without_relative_clauses(clause, [m.end for m in mentions])
        status = clause_status(own_words, section, opens_sentence=opens)
        exception = EXCEPT.search(own_words)   # "Continue all ... except metformin and avoid ibuprofen": "continue"
        group_status = clause_status(own_words[:exception.start()], section, opens_sentence=opens) \
            if exception else None
        mentions = _listed(clause, _before_any_precaution(clause, mentions), vocabulary.classes) + [
            m for m in mentions if RELATIVE_CLAUSE.match(clause[m.end:])]   # "... your sertraline, which you ..."
        mentions = sorted(set(mentions), key=lambda m: m.start)
        if mentions:
            named = [_named(Mention(m.start + start, m.end + start, m.text, m.generic), status, group_status, clause, m,
                            mentions, text[start + m.end:]) for m in mentions]
            own = [_said_in_its_relative_clause(medicine, text[start + m.end:], section)
                   for medicine, m in zip(named, mentions)]
            named = [told or medicine for told, medicine in zip(own, named)]
            found += [medicine for medicine, told in zip(named, own) if status or told]
            given_here = _given_here(clause)
            since_named = ""
            continue
        since_named += " " + clause   # "hold it for 2 days, | then | resume": the "then" is said on the way
        if named and (DECLINED.search(clause) or NOT_FOR_HOME.match(clause) or _ended_since(clause)):
            found = [medicine for medicine in found if medicine not in named]   # "... but the patient declined"
        elif status and named and _points_back(clause, since_named) and not (given_here and _stays_in_hospital(clause)):
            meant = named[-1:] if ONE_THING.search(clause) else named   # "it": the last drug named
            earlier = {medicine.mention for medicine in meant}
            found = [medicine for medicine in found if medicine.mention not in earlier]   # the later word stands
            found += [ProseMedicine(medicine.mention, status, medicine.clause, clause) for medicine in meant]
    return found


# "Resume all home medications except metformin": the drugs named in the exception itself get the other status.
# Only an exception to a whole group ("all your medications", "everything", "blood thinners"), and only up to where
# the exception ends (";", ", which", "e.g.", "such as", "including", or a new order: "take", "stop"): "except on
# dialysis days, take metformin" excepts no drug, "other than low dose aspirin, e.g. naproxen" not naproxen.
EXCEPT = re.compile(r"\b(?:except(?:\s+for)?|apart from|other than|but not|excluding|with the exception of|"
                    r"aside from|save for)\b", _I)
_A_GROUP = re.compile(r"\b(?:everything|anything|all|\w{3,}s)\W*$", _I)
_EXCEPTION_ENDS = re.compile(r";|,\s*(?:which|who|that)\b|\be\.?g\.?|\bsuch as\b|\bincluding\b|\bi\.e\.|"
                             r"\b(?:especially|in particular|particularly|for example|for instance|like|not|no|"
                             r"never)\b|"
                             r"\b(?:take|continue|resume|restart|start|stop|hold|use|give|avoid|discontinue|cease|"
                             r"withhold)\b", _I)
_OTHER_STATUS = {"home": "held", "stopped": "home", "held": "home"}
# Between the exception and the drug only other drugs and small words; right after it no dose or order of its own.
_ONLY_NAMES = re.compile(r"^(?:[\s,:;/-]|\b(?:and|or|for|the|your|his|her|their|low|dose|plain)\b)*$", _I)
_OWN_NEWS = re.compile(r"^[\s,;:()–—-]*(?:to be|should|is to|are to|take|taken|increas|reduc|chang|now|at\b|\d|dose|"
                       r"per\b|which|who)", _I)


def _excepted(clause: str, mention: Mention, mentions: list[Mention], after: str) -> re.Match | None:
    """The exception that names this drug, if the drug is one of the bare names the exception lists (after: the
    sentence's words after the drug, which may open a clause of their own: "... except metformin | now 500 mg")."""
    exception = EXCEPT.search(clause)
    if not exception or mention.start < exception.end() or not _A_GROUP.search(clause[:exception.start()]):
        return None
    ends = _EXCEPTION_ENDS.search(clause, exception.end())
    between = clause[exception.end():mention.start]
    for other in sorted(mentions, key=lambda m: m.start, reverse=True):
        if exception.end() <= other.start and other.end <= mention.start:
            between = between[:other.start - exception.end()] + " " + between[other.end - exception.end():]
    if ends and mention.start >= ends.start() or not _ONLY_NAMES.match(between) or _OWN_NEWS.match(after):
        return None   # past the exception, or a drug with its own news ("except increase furosemide to 40 mg")
    return exception


def _named(mention: Mention, status: str | None, group_status: str | None, clause: str, in_clause: Mention,
           mentions: list[Mention], after: str) -> ProseMedicine:
    """The drug with the status its clause gives it: the clause's own, or, for a drug the clause excepts, the
    opposite of what it says of the group ("Stop all tablets except aspirin": aspirin is still taken), said only
    in the words after the exception."""
    exception = _excepted(clause, in_clause, mentions, after) if group_status else None
    if exception:
        return ProseMedicine(mention, _OTHER_STATUS.get(group_status, group_status), clause, clause[exception.end():])
    return ProseMedicine(mention, status or "", clause)


def _said_in_its_relative_clause(medicine: ProseMedicine, after: str, section: str) -> ProseMedicine | None:
    """The drug with what the relative clause right after it says of it, or None when there is none or it says
    nothing of taking, stopping or holding it."""
    relative = RELATIVE_CLAUSE.match(after)
    if not relative:
        return None
    says = relative.group("says")
    status = clause_status(says, section)
    if status is None:
        as_an_order = clause_status(says, "Discharge Instructions")
        status = as_an_order if as_an_order in ("stopped", "held") else None   # "which was discontinued"
    return ProseMedicine(medicine.mention, status, medicine.clause, says) if status else None


def _points_back(clause: str, since_named: str) -> bool:
    """A clause about the drug(s) just named, said plainly: not denied, not on a condition, not later on (in it or
    in the words since the drugs were named: "resumed in 2 weeks by the GP", "resume it on 12/05"). An order to
    take doses of it says how long itself ("until finished")."""
    denied = DENIED.search(KEEP_TAKING.sub(" ", since_named))   # "do not stop during a flare" denies nothing
    if DOSES_OF_IT.search(clause):
        return not denied
    return bool(REFERS_BACK.search(clause)) and not (ON_A_CONDITION.search(FROM_DISCHARGE.sub(" ", since_named))
                                                     or denied or WHEN.search(since_named))


# "...; this was stopped on day 6", "; the course was completed on the ward": what became of the drug just named.
POINTS_TO_LAST = re.compile(r"^\W*(?:and\s+|but\s+)?(?:this|it|these|they|which|the\s+(?:\w+\s+)?course)\b", _I)


def _ended_since(clause: str) -> bool:
    return bool(POINTS_TO_LAST.search(clause)) and (ended_in_hospital(clause) or bool(STOPPED.search(clause)))


def _stays_in_hospital(clause: str) -> bool:
    """After a drug given in hospital, a clause that takes it up says nothing of going home ("Heparin infusion was
    held ... and | restarted on the ward"), unlike "Digoxin loading 500mcg given; | continue 125mcg OD"."""
    return _in_hospital(clause) or not (DISCHARGE.search(clause) or GOES_ON.search(clause))


def _given_here(clause: str) -> bool:
    return bool(HOSPITAL_ROUTE.search(clause) or GIVEN.search(clause)) and not STEPPED_DOWN.search(clause)


# A clause that names no drug and takes up the drugs of the clause before: "His metformin was held and | resumed
# at discharge", "uptitrated to 22 units nightly and she was | discharged on this dose", "but restarted it".
REFERS_BACK = re.compile(
    r"^\W*(?:and\s+|but\s+)?(?:(?:was|were|is|are|has been|have been)\s+)?"
    r"(?:resumed|restarted|continued|stopped|discontinued|held|withheld|ceased)\b"
    r"(?=\s+(?:at|on|upon|before|from|in|during|throughout|with|for)\b|\s*[.;,]|\s*$)"   # not "continued use"
    # "will be stopped.", not "to be withheld before colonoscopy": a hold planned for later is no hold now
    r"|^\W*(?:and\s+|but\s+)?(?:will|should|must|is to|are to|to)\s+be\s+"
    r"(?:resumed|restarted|continued|stopped|discontinued|held|withheld|ceased)\b"
    r"(?=\s*[.;,]|\s*$|\s+(?:at|upon|from)\s+discharge\b|\s+(?:now|today|permanently|indefinitely)\b)"
    # "a taper which she | will complete at home": the verb's object is the drug before, not "to monitor"
    r"|^\W*(?:will|should|to)\s+(?:\w+\s+)?(?:take|continue|complete|finish)\s+(?:it|them|at home|the (?:course|taper|"
    r"rest|remaining\s+\w+)|for\s+(?:another|a further|\d+)|until|\d)\b"   # "will continue 40 mg BID", "5 more days"
    r"|\b(?:on|at)\s+(?:this|that|the same)\s+doses?\b"
    # "Lasix now 40 mg mane", "loading completed; now on 200mg OD maintenance": the drug before, at its dose now
    r"|^\W*now\s+(?:on\s+|at\s+)?\d+(?:\.\d+)?\s*(?:mg|mcg|micrograms?|g|units?|ml)\b"
    # "Tab. Glimy M1 - STOP": a status alone after the drug
    r"|^\W*(?:stop|discontinue|cease|hold|withhold|suspend)\W*$"
    # "Sitagliptin continue.", "Phenytoin level 14 - continue 300mg ON": the order written after the drug
    r"|^\W*(?:to\s+)?continue\b(?=\s*[.;,)]|\s*$|\s+(?:at|on|with|\d))"
    r"|\b(?:restart\w*|resum\w*|continu\w*|stop\w*|discontinu\w*|hold|held|withh\w*|take|use|give)\s+(?:it|them)\b",
    _I)
# "You had your first dose of Lovenox in hospital. | Give yourself one shot under the skin every 12 hours", "Please
# take the remaining tablets until finished": an order to take doses that names no drug is about the one before.
DOSES_OF_IT = re.compile(
    r"^\W*(?:please\s+)?(?:take|give|use|inject|have)\s+(?:yourself\s+|him\s+|her\s+|them\s+)?(?:the\s+)?"
    r"(?:remaining|rest of the|last|next|one|two|three|\d+)\s+(?:\w+\s+)?"
    r"(?:tablets?|pills?|doses?|shots?|injections?|capsules?|puffs?|sachets?)\b", _I)
ONE_THING = re.compile(r"\b(?:it|this dose|that dose|the same dose)\b", _I)
# "... should be resumed only when the surgical team agrees", "hold for 2 days, then restart it": not yet (a day or
# a date is read by WHEN in _points_back).
ON_A_CONDITION = re.compile(r"\b(?:only|if|when|unless|until|after|then|afterwards|later|next|clinic|"
                            r"once(?!\s+(?:daily|a\s+(?:day|week|month)|weekly|nightly|monthly|every|per)\b))\b",
                            _I)   # "once SALT has passed", not "once daily"
# "... and will continue it after discharge": when the plan begins, not a condition on it.
FROM_DISCHARGE = re.compile(r"\b(?:after|on|upon|at|from)\s+(?:(?:his|her|their|your|the)\s+)?discharge\b", _I)
DENIED = re.compile(r"\b(?:not|no|never|don'?t|dont|shouldn'?t|avoid)\b", _I)


# Between two drugs of a list: ", ", " and ", "; ", " or ", "/". Anything else ("Latanoprost 50 micrograms/ml eye
# drops") makes the second name part of the first drug's line.
LIST_SEPARATOR = re.compile(r"(?:[,;/]|\b(?:and|or|with|plus|then|also|as well as)\b)\W*"
                            # "... and to apply hydrocortisone 1% cream"
                            r"(?:(?:to\s+)?(?:apply|give|take|use|start|continue|administer)\s+)?"
                            r"(?:(?:his|her|their|the|some|"
                            rf"a|an|oral|topical|po|{'|'.join(FORM_ABBREVIATIONS)})\.?\s+)?$", re.I)


# "PO abx: doxy 100 BD", "Anticoagulant: apixaban 5 mg", "start PPI (omeprazole 20 OD)": a label or a kind of drug,
# then the drug itself. Before a colon whatever names the drug is a label; before a bracket only a kind is.
NAMED_AFTER_A_LABEL = re.compile(r"^\s*:\s*$")
NAMED_AFTER_A_KIND = re.compile(r"^\s*\(\s*$")
# "Moved from IV ceftriaxone to oral cefuroxime": the drug switched to is the one the clause goes on about.
SWITCH_WORD = re.compile(r"\b(?:from|switch\w*|chang\w*|convert\w*|transition\w*|step(?:ped)? down|narrow\w*|"
                         r"bridg\w*|mov(?:e|ed|ing))\b", _I)
# "IV paracetamol post-op, weaned to oral Panadol": the verb of the switch between the two drugs.
SWITCH_BETWEEN = re.compile(rf"^[^.;]{{0,30}}?\b{_SWITCH_VERB}\s+(?:\w+\s+)?(?:to|onto)\s+{_ONTO_A_ROUTE}$", _I)
ONLY_TO_BETWEEN = re.compile(rf"^\s*(?:\([^()]*\)\s*)?(?:(?:infusion|drip|injections?|bolus)\s+)?to\s+{_ONTO_A_ROUTE}$",
                             _I)


def _listed(clause: str, mentions: list[Mention], kinds: Collection[str] = ()) -> list[Mention]:
    kept: list[Mention] = []
    for mention in mentions:
        between = clause[kept[-1].end:mention.start] if kept else ""
        kind = kept and (kept[-1].generic in kinds or " " in kept[-1].generic)
        switched = kept and not STOPPED.search(between) and (   # "Labetalol - STOPPED (switched to ...)": two drugs
            ONLY_TO_BETWEEN.match(between) and SWITCH_WORD.search(clause[:kept[-1].start])
            or SWITCH_BETWEEN.match(between))
        if kind and NAMED_AFTER_A_KIND.match(between) or NAMED_AFTER_A_LABEL.match(between) or switched:
            kept[-1] = mention
            continue
        if kept and not (LIST_SEPARATOR.search(between) or regimen_between(between)):
            continue
        kept.append(mention)
    return kept


def _a_kind_then_a_time(clause: str, mention: Mention, kinds: Collection[str]) -> bool:
    """ "TCA 2/52 to ambulatory care": the letters of a kind of drug before a time are a visit ("to come again")."""
    return mention.generic in kinds and bool(WHEN.match(clause[mention.end:].lstrip()))


def _before_any_precaution(clause: str, mentions: list[Mention]) -> list[Mention]:
    precaution = PRECAUTION.search(clause)
    return [m for m in mentions if not precaution or m.start < precaution.start()
            or _listed_again_after(clause, precaution.end(), m)]


def _listed_again_after(clause: str, precaution_end: int, mention: Mention) -> bool:
    """A drug after a precaution that the list takes up again with its own dose ("Zoton 30mg once daily while on
    the Difene, and paracetamol 1g four times a day"), not the drug that times the precaution."""
    dose = find_dose(clause, mention.end)
    return bool(dose and not clause[mention.end:dose[0]].strip()
                and re.search(r"[,;]\s*(?:and\s+)?$", clause[precaution_end:mention.start]))


# "Tab. Pan-D 1-0-0": the form written before the name stands in for the dose.
FORM_WRITTEN = re.compile(rf"(?:\b(?:{'|'.join(FORM_ABBREVIATIONS)})\b\.?|(?<![\w'])(?-i:{FORM_LETTER})\.)\s*[A-Z]",
                          _I)


def prescription_form(text: str) -> bool:
    """A dose (or a written form), and how often or for how long: "2 mg/kg/day for 3-5 days", "iron 325 mg p.o.
    t.i.d.", "Tab. Pan-D 1-0-0"."""
    frequency = find_frequency(text, 0)
    strength = find_dose(text) or FORM_WRITTEN.search(text) or (frequency and _bare_strength(text[:frequency[0]]))
    return bool(strength and (frequency or DURATION.search(text)))


def _bare_strength(before_frequency: str) -> bool:
    """UK shorthand: "doxy 100 BD", "Pred 40 OD": a number right before how often is the dose in mg."""
    return bool(re.search(r"\b[A-Za-z]\w*\s+\d+(?:\.\d+)?\s*$", before_frequency[-40:]))


def _opens_sentence(before: str) -> bool:
    before = before.rstrip()
    return not before or before[-1] in ".;:"


def clause_status(clause: str, section: str, opens_sentence: bool = True) -> str | None:
    """What a clause says of the drugs in it: "stopped", "held", "home", or None (given in hospital, or not a
    plan at all). In a section about the hospital stay only a clause about discharge counts."""
    about_discharge = _about_discharge(clause)
    instruction = opens_sentence and bool(IMPERATIVE.search(clause))
    switched_onto = section not in COURSE and bool(SWITCHED_ONTO.search(clause))
    stepped_down = bool(STEPPED_DOWN.search(clause))
    narrated = section in COURSE or section == UNHEADED and NARRATED.search(clause)
    started = _started_on_a_regimen(clause)
    if narrated and not (about_discharge or instruction or stepped_down or started):
        return None
    if KEEP_TAKING.search(clause) or resumed_now(clause) or ON_A_CONDITION_ONLY.search(clause):
        return "home"
    if STOPPED.search(clause):
        return "stopped"
    if HELD.search(clause):
        return "held"
    if NOT_PRESCRIBED.search(clause) or ended_in_hospital(clause):
        return None
    if _says_no_to_a_drug(clause):
        return "stopped"
    in_list = section in LISTS
    if _ward_order(clause):
        return None
    given = _in_hospital(clause) or HOSPITAL_ROUTE.search(clause) or (
        GIVEN.search(clause) and not prescription_form(clause))   # "given iron 325 mg t.i.d." is a prescription
    # in a discharge list a route or "given" may still go home (IV antibiotics via PICC); a place or an ended
    # course does not ("Clarithromycin course completed on the ward"), unless the line says how often to take it
    # ("Ondansetron 4 mg PO q8h PRN (first dose given in the ED)")
    placed_in_hospital = _in_hospital(clause) and not find_frequency(clause, 0)
    if given and not (about_discharge or stepped_down or in_list and not placed_in_hospital):
        return None
    if HABITUAL.search(clause) and not (_said_to_go_on(clause) or in_list):
        return None
    if in_list or HOME.search(clause) or GOES_ON.search(clause) or instruction or switched_onto or stepped_down or \
            started or (section not in COURSE and prescription_form(clause)):
        return "home"
    return None


def _says_no_to_a_drug(clause: str) -> bool:
    """"NO ibuprofen/Voltaren for pain", "No NSAIDs": a drug named right after "no" is one not to take; not "No
    changes to metformin", where "no" is said of something else, nor "No tPA required", a report of the stay."""
    said = re.match(r"\W*no\s+", clause, _I)
    if not said or _NOT_GIVEN.search(clause):
        return False
    mentions = vocabulary().mentions(clause)
    return bool(mentions) and mentions[0].start == said.end()


_NOT_GIVEN = re.compile(r"\b(?:required|needed|indicated|given|administered|received|used)\b", _I)


# "Mirabegron 50mg OD started", "transitioned to Lantus 18 units qHS", "was started on Keflex 500 mg four times a day
# for 7 days": in the story of the stay, a drug begun with a dose and how often, by no hospital route or place, is
# most often the one the patient goes home on.
STARTED = re.compile(r"\b(?:started|commenced|initiated|begun|(?:switched|transitioned|converted|changed|"
                     r"cross-?(?:tapered|titrated))\s+(?:\w+\s+)?(?:to|onto))\b", _I)


def _started_on_a_regimen(clause: str) -> bool:
    return bool(STARTED.search(clause)) and prescription_form(clause) and not (
        HOSPITAL_ROUTE.search(clause) or _in_hospital(clause) or STOPPED.search(clause)
        or HELD.search(clause) or COUNTED_DOSES.search(clause))


def _about_discharge(clause: str) -> bool:
    return bool(DISCHARGE.search(clause) or GOES_ON.search(clause))


def _said_to_go_on(habit: str) -> bool:
    """Does a sentence about what the patient took before say it goes on? Its "at home" says where it was taken."""
    return _about_discharge(AT_HOME.sub(" ", habit))


def given_in_hospital_only(text: str, section: str) -> bool:
    """A medication line that says the drug was given in hospital (or its course is over) and nothing about
    taking it after discharge: "Cefazolin 1 g IV x 5 doses post-op", "IV vancomycin (course completed)". In a
    discharge list the route alone is not enough (a patient may go home on IV antibiotics)."""
    if ended_in_hospital(text):
        return True
    if DISCHARGE.search(text) or STOPPED.search(text):
        return False
    given = _in_hospital(text) or (GIVEN.search(text) and not prescription_form(text))
    return bool(given or _ward_order(text) or (section not in LISTS and HOSPITAL_ROUTE.search(text)))


def ended_in_hospital(text: str) -> bool:
    return bool(ENDED_IN_HOSPITAL.search(text)) and not (GOES_ON.search(text) or _STILL_TO_TAKE.search(text))


def taken_before_only(text: str, section: str) -> bool:
    """A line outside any medication list that tells what the patient took before ("she takes sertraline 50 mg
    daily") and nothing about after discharge, not even that it stopped. A generic "Medications" list is left
    alone: in a discharge summary it is most often the discharge list, and hiding it is the worse mistake."""
    if section in LISTS or section == "Medications":
        return False
    return bool(HABITUAL.search(text)) and not (_said_to_go_on(text) or
                                                 IMPERATIVE.search(text) or STOPPED.search(text) or HELD.search(text))


def _ward_order(text: str) -> bool:
    return bool(HOSPITAL_ROUTE.search(text) and COUNTED_DOSES.search(text) and not GIVEN_OUTSIDE.search(text))
