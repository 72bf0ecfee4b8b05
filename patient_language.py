"""From the words patients use to the words discharge summaries use.

A question is analysed into:
- the sections it is about ("pills" -> Discharge Medications),
- clinical words to add to the search text ("see the doctor" -> follow-up appointment),
- its specific terms: words that an answering passage must itself contain ("drive", "alcohol",
  "metoprolol"), as opposed to topic words ("pills", "eat") that any line of the right section answers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MEDS = ("Discharge Medications", "Medications")
DOSE = r"\b\d+(\.\d+)?\s*(mg|mcg|g|units?|ml|puffs?|meq)\b"
INSTRUCTIONS = ("Discharge Instructions",)


@dataclass(frozen=True)
class Topic:
    triggers: tuple[str, ...]      # stems or phrases found in the question
    primary: tuple[str, ...]       # sections that answer it wholesale
    secondary: tuple[str, ...]     # sections that answer it only by lines that mention the topic
    expansion: str                 # clinical words appended to the search text
    specific: tuple[str, ...] = ()  # if set, an answering passage must contain one of these stems
    evidence: tuple[str, ...] = ()  # regexes: a line of a secondary section is on topic if one matches
    drugs: tuple[str, ...] = ()     # drug stems: a line naming one is on topic and preferred

    def evidence_patterns(self) -> tuple[str, ...]:
        """By default, any single-word trigger at the start of a word."""
        return self.evidence or tuple(rf"\b{re.escape(t)}" for t in self.triggers if " " not in t)


TOPICS: tuple[Topic, ...] = (
    Topic(("pill", "medic", "medicin", "meds", "drug", "tablet", "capsul", "prescri", "dose", "dosag",
           "antibiotic", "blood thinner", "thinner", "water pill", "vitamin", "supplement", "keep taking", "taper",
           "schedule", "how long do i take", "how long should i take",
           "take at home", "how often", "refill", "pharmac"),
          MEDS, ("Admission Medications",) + INSTRUCTIONS,
          "discharge medications dose frequency tablet by mouth daily anticoagulant",
          evidence=(r"\bmedications?\b", r"\bpills?\b", r"\btablets?\b", r"\bcapsules?\b", DOSE)),
    Topic(("insulin",), (), MEDS + INSTRUCTIONS + ("Diet",), "insulin units", ("insulin",)),
    Topic(("inhaler", "puffer", "nebuli", "nebs"), (), MEDS + INSTRUCTIONS, "inhaler puffs nebulizer",
          ("inhal", "puff", "nebul", "mdi", "albuterol", "levalbuterol", "xopenex", "ipratropium", "atrovent",
           "tiotropium", "spiriva", "beclomethason", "qvar", "budesonid", "pulmicort", "fluticason", "flovent",
           "advair", "symbicort", "formoterol", "salmeterol", "combivent", "duoneb")),
    Topic(("stop taking", "stopped", "discontinu", "no longer take", "quit taking"),
          (), MEDS + INSTRUCTIONS, "discontinued stop medications", ("stop", "discontinu", "hold")),
    Topic(("new medic", "new pill", "new drug", "started on", "new prescri"),
          (), MEDS, "new medications started", ("new", "start")),
    Topic(("pain", "hurt", "ache", "sore"),
          (), MEDS + INSTRUCTIONS, "pain medication analgesic as needed for pain",
          ("pain", "analges", "ache", "narcot", "tylenol", "acetaminophen", "ibuprofen", "oxycod",
           "hydrocod", "lorcet", "percocet", "vicodin", "norco")),
    Topic(("follow", "appointment", "see the doctor", "see my doctor", "see a doctor", "see the surgeon",
           "check-up", "checkup", "check up", "come back", "next visit", "visit", "clinic",
           "cardiologist", "specialist", "primary care", "pcp", "regular doctor", "family doctor", "gp",
           "see the", "see my", "see her", "see his", "see a", "go back to the", "heart doctor", "surgeon",
           "therapy", "therapist", "physio", "home health", "coming to see", "visit me"),
          ("Follow-up",), INSTRUCTIONS + ("Disposition",),
          "follow-up appointment clinic visit with doctor in weeks",
          evidence=(r"follow", r"appointment", r"\bsee (dr|doctor|your|the)", r"\bvisit", r"\bclinic",
                    r"return to (see|clinic|the office)", r"\bbe seen\b", r"\breview (him|her|you)\b")),
    Topic(("eat", "food", "diet", "meal", "drink", "salt", "sodium", "sugar", "fluid", "water", "juice", "soda",
           "breastfeed", "breast-feed", "breast feed", "formula", "bottle",
           "carb", "nutrition", "snack", "coffee", "caffeine"),
          ("Diet",), INSTRUCTIONS, "diet food fluid restriction",
          evidence=(r"\bdiet", r"\beat", r"\bfoods?\b", r"sodium", r"\bsalt", r"\bfluids?\b", r"carbohydrate",
                    r"\bnpo\b", r"liquids?\b", r"nutrition", r"calori", r"\bdrinks?\b")),
    Topic(("alcohol", "beer", "wine", "liquor", "booze"),
          (), ("Diet", "Social History") + INSTRUCTIONS, "alcohol",
          ("alcohol", "beer", "wine", "liquor", "ethanol", "etoh")),
    Topic(("smok", "cigar", "tobacco", "vape", "vaping"),
          (), ("Social History",) + INSTRUCTIONS, "smoking cessation tobacco",
          ("smok", "tobacco", "cigar", "nicotin", "vap")),
    Topic(("drive", "driving", "car"),
          (), ("Activity",) + INSTRUCTIONS, "driving restriction activity", ("driv", "vehicle")),
    Topic(("lift", "carry", "heavy"),
          (), ("Activity",) + INSTRUCTIONS, "lifting restriction pounds activity",
          ("lift", "carry", "heavy", "lb", "lbs", "pound")),
    Topic(("exercis", "walk", "activit", "stair", "sport", "gym", "active", "walker", "cane", "crutch", "bed",
           "bedrest", "weight-bearing", "weight bearing", "precaution", "cross my legs", "cross her legs",
           "cross his legs"),
          ("Activity",), INSTRUCTIONS, "activity exercise walking restrictions",
          evidence=(r"activit", r"\bwalk", r"exercis", r"\blift", r"\bdriv", r"bed ?rest", r"ambulat",
                    r"weight[- ]?bearing", r"\bstairs", r"return to (work|school|normal)")),
    Topic(("work", "job", "school", "office"),
          (), ("Activity", "Follow-up") + INSTRUCTIONS, "return to work school", ("work", "job", "school", "duty")),
    Topic(("sex", "intercourse"),
          (), ("Activity",) + INSTRUCTIONS, "sexual activity intercourse pelvic rest",
          ("sex", "intercourse", "pelvic")),
    Topic(("bath", "bathe", "bathing", "shower", "swim", "tub", "wash", "soak", "pool"),
          (), ("Wound Care", "Activity") + INSTRUCTIONS, "shower bathing wound incision",
          ("bath", "shower", "swim", "tub", "wash", "soak", "pool", "wet")),
    Topic(("wound", "incision", "stitch", "staple", "suture", "dressing", "bandage", "scar", "cut",
           "drain"),
          ("Wound Care",), INSTRUCTIONS, "wound care incision dressing",
          evidence=(r"wound", r"incision", r"dressing", r"staples?\b", r"sutures?\b", r"stitch", r"\bdrain",
                    r"shower", r"\bbath")),
    Topic(("er", "emergency", "911", "999", "a&e", "ambulance", "warning", "danger", "call the doctor",
           "call my doctor", "worry", "worried", "watch for", "look out", "symptom", "sign", "go back to the hospital",
           "when to return", "return to the hospital", "come back to the hospital", "when should i call",
           "bring her in", "bring him in", "bring her back", "bring him back", "come in", "right back", "bring her",
           "bring him", "temp", "temperature", "how high", "too high", "serious",
           "urgent"),
          ("Warning Signs",), INSTRUCTIONS, "warning signs return to emergency room call your doctor if",
          evidence=(r"emergency", r"\b911\b", r"\b(er|ed)\b", r"\bcall (your|the|dr|doctor|911|us|for|if)",
                    r"\bnotify", r"\bseek",
                    r"immediately", r"right away", r"return (to the (er|ed|emergency|hospital)|if|for)",
                    r"worsen", r"warning")),
    Topic(("why was i", "why i was", "why was", "why were", "why is", "in the hospital", "end up", "diagnos",
           "what did i have", "what do i have", "what was wrong",
           "what is wrong", "condition", "problem", "illness", "admitted for", "in the hospital for", "admitted",
           "cancer", "what kind of", "stage", "why did",
           "reason"),
          ("Discharge Diagnosis",), ("Admission Diagnosis", "Chief Complaint", "Hospital Course"),
          "diagnosis admitted for",
          evidence=(r"diagnos", r"admitted (for|with|to)", r"presented (with|to)", r"found to have",
                    r"consistent with", r"\bdue to\b")),
    Topic(("surgery", "operation", "procedure", "operated"),
          ("Procedures",), ("Hospital Course",), "procedure operation performed surgery"),
    Topic(("what happened", "hospital stay", "during my stay", "treated", "treatment", "what did they do",
           "what they did", "what was done", "how did they treat", "how they treated"),
          ("Hospital Course",), (), "hospital course treatment"),
    Topic(("allerg", "alerg", "allergic", "reaction"),
          ("Allergies",), (), "allergies allergic reaction"),
    Topic(("test", "lab", "blood work", "bloodwork", "x-ray", "xray", "scan", "result", "mri"),
          ("Tests",), ("Results", "Follow-up") + INSTRUCTIONS, "laboratory tests results pending"),
    Topic(("checking", "check my", "check her", "check his", "monitor", "keep track", "keep an eye", "measure",
           "weigh", "log", "record my", "at home every day", "each day", "every morning"),
          (), INSTRUCTIONS + ("Follow-up", "Diet", "Activity"), "monitor check daily record weigh",
          evidence=(r"\bmonitor", r"\bcheck", r"\bweigh", r"\bmeasure", r"\brecord", r"\blog\b", r"\bkeep track",
                    r"\bdiary")),
    Topic(("how am i", "how was i", "condition when", "stable", "doing now"),
          ("Condition at Discharge",), (), "condition at discharge"),
    Topic(("where", "nursing", "rehab", "facility", "discharged to"),
          ("Disposition",), INSTRUCTIONS, "discharge disposition home facility"),
)

STOPWORDS = frozenset("""
a about above after again all also am an and any are as at be because been before being below
between both but by can could did do does doing done down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just me more most my myself
no nor not now of off on once only or other our out over own same she should so some such than that
the their them then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yours yourself okay ok please tell know
need much many still supposed allowed get go going take taking make use using able let way ever
whats whens wheres hows im ive id dont doesnt didnt cant couldnt wont isnt arent wasnt shouldnt
goes does gets got getting
""".split())

# Verbs and fillers of a question that say nothing about what the summary must contain.
QUESTION_FILLERS = frozenset("""
stay fix put show set handle check add mean tell say said look bring keep happen end first last bad
paperwork papers chart record notes
something someone anybody anyone everything sure supposed okay ok alright worried wonder wondering
""".split())

# Who is asking about whom does not change what the summary must say.
PEOPLE = frozenset("""
mom mum mother dad father husband wife son daughter brother sister child kid kids baby grandma grandpa
grandmother grandfather aunt uncle partner friend patient he she him her they them
""".split())

_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")

# Brand names, generic names and what patients call a drug, grouped under one name (common US/UK names).
DRUG_NAMES = {
    "clopidogrel": "plavix", "warfarin": "coumadin jantoven", "apixaban": "eliquis",
    "rivaroxaban": "xarelto", "enoxaparin": "lovenox", "furosemide": "lasix", "levothyroxine": "synthroid thyroid",
    "acetaminophen": "tylenol paracetamol", "ibuprofen": "advil motrin", "azithromycin": "zithromax z-pak zpak",
    "ciprofloxacin": "cipro", "levofloxacin": "levaquin", "cephalexin": "keflex", "amoxicillin": "amoxil",
    "ondansetron": "zofran", "amlodipine": "norvasc", "atorvastatin": "lipitor", "simvastatin": "zocor",
    "metformin": "glucophage", "lisinopril": "zestril prinivil", "metoprolol": "lopressor toprol",
    "carvedilol": "coreg", "pantoprazole": "protonix", "omeprazole": "prilosec",
    "albuterol": "ventolin proair salbutamol", "dexamethasone": "decadron", "prednisone": "deltasone",
    "methocarbamol": "robaxin", "oxycodone": "percocet oxycontin",
    "hydrocodone": "vicodin norco lortab lorcet", "lorazepam": "ativan", "benazepril": "lotensin",
    "spironolactone": "aldactone", "nitroglycerin": "nitrostat nitro", "insulin": "lantus humalog novolog novolin",
}
_DRUG_INDEX = {name: generic for generic, others in DRUG_NAMES.items() for name in [generic, *others.split()]}

_PILL_NOUNS = ("pill", "pills", "med", "meds", "medicine", "medicines", "medication", "medications", "tablet",
               "tablets", "drug", "drugs")


def _kinds_of_pill(*what: str) -> tuple[str, ...]:
    """'blood pressure' -> 'blood pressure pill', 'blood pressure meds', ... (question phrases)."""
    return tuple(f"{w} {noun}" for w in what for noun in _PILL_NOUNS)


# What patients call a kind of drug -> the drugs of that kind a summary may name (common US/UK names).
# "What antibiotic am I on?" is answered by the line that says Levaquin, and only by such lines.
DRUG_CLASSES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("antibiotic", "antibiotics") + _kinds_of_pill("infection"),
     "antibiotic amoxicillin augmentin penicillin ampicillin piperacillin zosyn nafcillin dicloxacillin "
     "cephalexin cefazolin ancef cefuroxime ceftriaxone rocephin cefdinir cefpodoxime cefepime cefalexin "
     "azithromycin clarithromycin erythromycin doxycycline minocycline tetracycline ciprofloxacin levofloxacin "
     "moxifloxacin avelox trimethoprim sulfamethoxazole bactrim septra nitrofurantoin macrobid metronidazole "
     "flagyl clindamycin vancomycin linezolid zyvox daptomycin gentamicin tobramycin meropenem ertapenem "
     "imipenem rifampin"),
    (("blood thinner", "blood thinners", "thinner", "thinners", "anticoagulant", "anticoagulants",
      "antiplatelet") + _kinds_of_pill("clot", "clotting"),
     "anticoag antiplatelet thinner warfarin apixaban rivaroxaban dabigatran pradaxa edoxaban savaysa "
     "enoxaparin heparin fondaparinux arixtra clopidogrel prasugrel effient ticagrelor brilinta aspirin asa "
     "dipyridamole aggrenox cilostazol"),
    (_kinds_of_pill("blood pressure", "bp", "high blood pressure", "hypertension") + ("antihypertensive",),
     "antihypertens lisinopril benazepril enalapril ramipril captopril quinapril fosinopril perindopril "
     "losartan cozaar valsartan diovan irbesartan olmesartan candesartan telmisartan amlodipine nifedipine "
     "diltiazem verapamil felodipine metoprolol atenolol carvedilol propranolol labetalol bisoprolol nadolol "
     "nebivolol hydrochlorothiazide hctz chlorthalidone furosemide spironolactone torsemide bumetanide "
     "clonidine hydralazine doxazosin terazosin prazosin"),
    (("steroid", "steroids", "corticosteroid"),
     "steroid corticosteroid prednisone prednisolone methylprednisolone medrol solu-medrol dexamethasone "
     "hydrocortisone"),
    (("water pill", "water pills", "water tablet", "water tablets", "fluid pill", "fluid pills", "diuretic",
      "diuretics"),
     "diuretic furosemide torsemide bumetanide bumex hydrochlorothiazide hctz chlorthalidone spironolactone "
     "metolazone eplerenone"),
    (_kinds_of_pill("cholesterol", "statin") + ("statin", "statins"),
     "statin atorvastatin simvastatin rosuvastatin crestor pravastatin lovastatin ezetimibe zetia fenofibrate"),
    (_kinds_of_pill("diabetes", "diabetic", "sugar", "blood sugar"),
     "metformin glipizide glyburide glimepiride sitagliptin januvia pioglitazone actos empagliflozin jardiance "
     "dapagliflozin farxiga liraglutide victoza semaglutide ozempic insulin"),
    (_kinds_of_pill("stomach", "acid", "heartburn", "reflux", "ulcer") + ("antacid", "antacids"),
     "omeprazole pantoprazole esomeprazole nexium lansoprazole prevacid famotidine pepcid ranitidine antacid"),
    (_kinds_of_pill("sleep", "sleeping") + ("sleeping pill",),
     "zolpidem ambien trazodone temazepam restoril triazolam halcion melatonin"),
)


# Patient words -> the clinical words a summary uses for the same thing (stems; a line may use any of them).
LAY_TO_CLINICAL = {
    "pee": "urin void bladder", "urin": "void bladder", "poop": "stool bowel", "bowel": "stool",
    "breath": "respirat ventilat dyspnea oxygen", "machine": "ventilat intubat bipap cpap",
    "clot": "thrombo dvt embol anticoag", "blockage": "occlu stenos", "block": "occlu stenos",
    "echo": "echocardiogram", "heart": "cardiac coronary myocardial", "attack": "infarct",
    "stroke": "cva infarct", "sugar": "glucose", "kidney": "renal", "lung": "pulmonary",
    "port": "port-a-cath portacath", "confus": "delirium sundown disorient", "stone": "calcul lithiasis",
    "scope": "endoscop ercp colonoscop", "x-ray": "radiograph", "xray": "x-ray radiograph",
    "dnr": "resuscitate code", "artery": "carotid coronary", "arter": "carotid coronary",
    "valv": "vegetation endocarditis", "infection": "vegetation endocarditis sepsis", "cancer": "carcinoma sarcoma "
    "malignan tumor lymphoma mesothelioma metasta", "chemo": "chemotherapy", "sex": "pelvic intercourse",
    "fever": "febrile temperature", "bleed": "hemorrhag", "swell": "edema", "dizzy": "vertigo lightheaded",
    "tired": "fatigue", "night": "sundown nocturnal", "mov": "transfer", "move": "transfer", "throw": "vomit emesis",
    "belly": "abdominal abdomen", "stomach": "abdominal gastric",
}
_ALTERNATIVES = {key: frozenset(values.split()) for key, values in LAY_TO_CLINICAL.items()}


def canonical_word(word: str) -> str:
    """One name per drug, so 'plavix' in a question finds 'Clopidogrel' in the summary."""
    return _DRUG_INDEX.get(word, word)


def stem(word: str) -> str:
    """A deliberately small stemmer; matching is by prefix, so drive/driving/drives all meet at "driv"."""
    word = word.lower().strip("'-")
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            if suffix in ("ing", "ed") and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "ls":
                word = word[:-1]  # getting -> get, stopped -> stop
            break
    return word


def content_stems(text: str) -> set[str]:
    words = (re.sub(r"'s?$", "", w) for w in _WORD.findall(text.lower().replace("’", "'")))
    return {canonical_word(stem(w)) for w in words if w not in STOPWORDS and w not in PEOPLE and len(w) > 1}


def has_trigger(question: str, trigger: str) -> bool:
    if " " in trigger or "-" in trigger:
        return re.search(rf"(?<![a-z]){re.escape(trigger)}(?![a-z])", question) is not None
    return any(word == trigger or stem(word) == stem(trigger) or (len(trigger) > 3 and word.startswith(trigger))
               for word in _WORD.findall(question))


def _drug_class_topic(triggers: tuple[str, ...], members: str) -> Topic:
    return Topic(triggers, (), MEDS + INSTRUCTIONS + ("Hospital Course",), triggers[0],
                 drugs=tuple(sorted({canonical_word(stem(m)) for m in members.split()})))


ALL_TOPICS = TOPICS + tuple(_drug_class_topic(triggers, members) for triggers, members in DRUG_CLASSES)


@dataclass(frozen=True)
class QuestionAnalysis:
    question: str
    search_text: str
    sections: tuple[str, ...]          # every section that may answer, most likely first
    primary_sections: frozenset[str]   # sections that answer the question wholesale
    topic_evidence: re.Pattern | None  # a line of a secondary section must match it
    specific_stems: frozenset[str]     # an answering line must contain one of these
    focus_stems: frozenset[str]        # words no topic explains: lines with them are preferred
    focus_required: bool               # no topic recognised: a line must carry most of the focus words
    drug_stems: frozenset[str]         # drugs asked about, by name or by kind ("antibiotic")
    drugs_are_the_subject: bool        # "which antibiotic?" (a kind of drug), not "why am I on an antibiotic?"
    topic_found: bool


# The topic of each kind of question (training/fit_question_kinds.py): what a question whose words match no
# trigger is about, when the embedding model reads it surely as one kind ("what did they find was wrong with
# her?" is a diagnosis question though no trigger says so).
KIND_SECTIONS = {"medications": MEDS, "follow_up": ("Follow-up",), "diet": ("Diet",), "activity": ("Activity",),
                 "wound_care": ("Wound Care",), "warning_signs": ("Warning Signs",),
                 "diagnosis": ("Discharge Diagnosis",), "procedures": ("Procedures",),
                 "hospital_course": ("Hospital Course",), "allergies": ("Allergies",), "tests": ("Tests",)}
KIND_TOPICS = {kind: next(t for t in TOPICS if t.primary == sections) for kind, sections in KIND_SECTIONS.items()}


def analyse(question: str, kind: str | None = None) -> QuestionAnalysis:
    """`kind`: the kind of question the embedding model reads it as, used only when no trigger names a topic."""
    lowered = _without_false_friends(question.lower())
    topics = _without_overridden([t for t in ALL_TOPICS if any(has_trigger(lowered, trig) for trig in t.triggers)])
    if not topics and kind in KIND_TOPICS:
        topics = [KIND_TOPICS[kind]]
    sections: list[str] = []
    for section in [s for t in topics for s in t.primary] + [s for t in topics for s in t.secondary]:
        if section not in sections:
            sections.append(section)
    specific = {s for t in _asked_in_the_question(question, topics) for s in t.specific}
    focus = _uncovered_terms(question, topics)
    primary = {s for t in topics if not t.specific for s in t.primary}
    patterns = [pattern for t in topics for pattern in t.evidence_patterns()]
    expansion = " ".join(t.expansion for t in topics)
    drug_stems = frozenset({term for term in focus if term in DRUG_NAMES} | {d for t in topics for d in t.drugs})
    return QuestionAnalysis(
        question=question,
        search_text=f"{question} {expansion}".strip(),
        sections=tuple(sections),
        primary_sections=frozenset(primary),
        topic_evidence=re.compile("|".join(patterns), re.IGNORECASE) if patterns else None,
        specific_stems=frozenset(specific),
        focus_stems=frozenset(focus),
        focus_required=not topics,
        drug_stems=drug_stems,
        drugs_are_the_subject=any(t.drugs for t in topics) and all(set(t.primary) <= set(MEDS) for t in topics),
        topic_found=bool(topics),
    )


def _asked_in_the_question(message: str, topics: list[Topic]) -> list[Topic]:
    """The topics of the sentences that ask, when a message both asks and tells and its asking sentences have a
    topic of their own: in "when is her doctor appointment? I got to take off work to bring her", work is what the
    caller tells, not what the summary must speak of."""
    sentences = [s for s in _SENTENCE_END.split(message.lower()) if s.strip()]
    asking = [s for s in sentences if s.rstrip().endswith("?") or _ASKING_START.match(s)]
    if not asking or len(asking) == len(sentences):
        return topics
    asked = _without_false_friends(" ".join(asking))
    in_the_question = [t for t in topics if any(has_trigger(asked, trigger) for trigger in t.triggers)]
    return in_the_question or topics


def _without_false_friends(lowered: str) -> str:
    return " ".join(w for w in FALSE_PHRASES.sub(" ", lowered).split() if w.strip("?!.,") not in FALSE_FRIENDS)


# Where one sentence ends and the next begins ("...there? I got to..."), and the words that open a question
# written without its question mark ("when can he go back to work").
_SENTENCE_END = re.compile(r"(?<=[?.!])\s+|\n+")
_ASKING_START = re.compile(r"\s*(?:when|what|whats|what's|which|who|whom|where|why|how|is|are|am|was|were|can|could|"
                           r"may|might|should|shall|will|would|do|does|did|has|have|had|any|ok|okay)\b")


def _without_overridden(topics: list[Topic]) -> list[Topic]:
    """'Drug allergies' is a question about allergies, not about the medication list."""
    if any(t.primary == ("Allergies",) for t in topics):
        return [t for t in topics if t.primary != MEDS]
    return topics


def _uncovered_terms(question: str, topics: list[Topic]) -> set[str]:
    """Content words no topic explains (a drug name, 'swimming'): a passage must mention one."""
    covered = {stem(word) for t in topics for phrase in t.triggers + (t.expansion,) for word in phrase.split()}
    generic = {stem(w) for w in ("doctor", "hospital", "discharge", "summary", "day", "week", "time",
                                 "often", "long", "much", "home", "okay", "safe", "start", "again",
                                 "normal", "back", "now", "today", "tomorrow", "care", "team", "nurse", "see",
                                 "want", "feel", "like", "thing", "happen", "fine", "right", "next", "get", "give",
                                 "come", "new", "really", "actually", "exactly", "just", "anything", "another",
                                 "other")}
    terms = set()
    for word in content_stems(question):
        if word in generic or word in QUESTION_FILLERS or any(
                word == c or (len(c) > 2 and (word.startswith(c) or c.startswith(word))) for c in covered):
            continue
        terms.add(word)
    return terms


def passage_matches(text: str, stems: frozenset[str]) -> bool:
    """True when text contains one of the stems (as a word prefix)."""
    return matched_share(text, stems) > 0


def matched_share(text: str, stems: frozenset[str]) -> float:
    """The share of stems that text contains (as word prefixes)."""
    if not stems:
        return 0.0
    words = {canonical_word(stem(w)) for w in _WORD.findall(FALSE_PHRASES.sub(" ", text.lower()))} - FALSE_FRIENDS
    return sum(any(_word_matches(w, form) for w in words for form in _forms(s)) for s in stems) / len(stems)


def _forms(term: str) -> frozenset[str]:
    return _ALTERNATIVES.get(term, frozenset()) | {term}


# Words that start with a topic stem but are about something else.
FALSE_FRIENDS = frozenset({"bathroom", "bathrooms", "career", "dryness"})
# Phrases whose words belong to a topic but which mean something else: "carry on" is to continue, to "carry her
# back" or "carry him to the hospital" is to bring someone (West African, Caribbean and Southern US English), and
# to "stop throwing up" or "stop bleeding" is no medicine stopped (to stop taking, using or giving one is).
FALSE_PHRASES = re.compile(r"\bsocial work(ers?)?\b|\bwork[- ]?ups?\b|\bcarr(?:y|ies|ying) on\b"
                           r"|\bcarr(?:y|ies|ying|ied) (?:him|her|them|me|us) (?:back\b|over there\b|to (?:the )?"
                           r"(?:hospital|er|ed|a&e|emergency|clinic|doctor|appointment))"
                           r"|\bstop(?:s|ped|ping)?\s+(?!taking\b|using\b|giving\b|having\b)[a-z]+ing\b")


def _word_matches(word: str, term: str) -> bool:
    """drive~driving: a stem matches the words it starts."""
    return word == term or (len(term) > 3 and word.startswith(term))


def mentions_topic(analysis: QuestionAnalysis, line: str) -> bool:
    return bool(analysis.topic_evidence and analysis.topic_evidence.search(line))


def names_a_drug(analysis: QuestionAnalysis, line: str) -> bool:
    """The question asks about a drug by name (any brand) or by kind, and the line names such a drug."""
    return matched_share(line, analysis.drug_stems) > 0
