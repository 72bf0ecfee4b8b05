"""Spotting questions that describe a medical emergency happening now.

Such a question must get a notice to call the local emergency number before anything else (and, for
suicidal or self-harm language, a crisis line too), whatever the answering backend. Questions *about*
the summary, the past or "what if" must not: "What should I do if I get chest pain?" is a request for the
summary's warning signs, "I have crushing chest pain" is an emergency.

How a question is read:
1. It is lower-cased, apostrophes dropped ("can't" -> "cant", "I'm" -> "im") and cut into clauses at
   punctuation, at "but"/"although" and at "and" before a new subject or "now", so the past tense of "I had
   chest pain last week but it's gone" or "I got home yesterday and now my chest hurts" stays in its clause
   (unless the question says it is back or getting worse: STILL_GOING).
2. Each SIGN (a symptom pattern) found in a clause is kept unless
   - it is negated just before ("no chest pain now", "I don't have chest pain"),
   - its clause is set in the past ("last week", "in the hospital", "it went away"),
   - a FRAME shortly before it makes it hypothetical or a question about the summary ("what should I do
     if ...", "signs of ...", "what does the summary say about ...", "after fainting"),
   - it sits in a general question with no person in it ("is coughing up blood a side effect?"),
   - or something right after it says it is being asked about ("... are warning signs").
3. Signs come in tiers. NOW signs say by themselves that it is happening ("I can't breathe", "my face
   is drooping", "throat is closing", "won't wake up", "took too many pills"). NEEDS_NOW signs only name a
   symptom ("chest pain", "short of breath", "a seizure") and count when the question also says it is
   present ("I have", "right now", "my husband is", "crushing"). CLUE signs never count alone, only in
   COMBINATIONS ("black stools" + "dizzy", "hives" + trouble breathing, "took double" + "feel faint").
   SELF_HARM signs ignore hypothetical frames and general questions: "what do I do if I want to kill
   myself" or "what's the suicide hotline?" still show the crisis line, because missing it costs far more
   than showing it; negation, the past and questions about the record ("the report mentions suicidal
   thoughts") still rule it out.
4. The most urgent kind found is reported (KINDS is ordered by urgency); self_harm is flagged whenever
   suicidal or self-harm language is found, alongside any physical emergency.

Borderline calls (also in tests/test_emergency.py):
- Some blood on a dressing, or bleeding without a word of quantity, is not an emergency; bleeding counts
  when it is heavy (won't stop, soaking, gushing, a lot of blood).
- Black stools alone, an extra dose alone, hives alone or feeling faint alone do not trigger; each does
  together with its partner sign (see COMBINATIONS).
- A question in present tense about a symptom ("I'm short of breath, is that normal?") triggers: a
  needless notice costs a line of text, a missed one could cost a life.
- Uncertainty is not a hypothetical: "I'm not sure if I'm having a heart attack" triggers, "how do I know
  if I'm having a stroke?" does not.
- "I fainted", "she passed out", "I took too many pills" are past tense yet count as now; with a time in
  the past ("in the hospital", "last week") they do not.
- "I had a seizure, can I drive?" (no time given) does not trigger; "he just had a seizure" does.
- Suicidal language set in the past ("I tried to kill myself last year") follows the past rule and does not
  trigger; vague distress ("I can't take it anymore") is not matched either.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Ordered by urgency: when a question shows several, the first one found is the kind reported.
KINDS = (
    "unresponsive", "anaphylaxis", "seizure", "breathing", "chest_pain", "stroke", "overdose", "bleeding",
    "blood_vomit_or_cough", "black_stool_dizzy", "fainting", "self_harm",
)


@dataclass(frozen=True)
class Emergency:
    kind: str          # one of KINDS
    self_harm: bool    # suicidal or self-harm language: the notice adds the crisis line


# Tiers of a sign (see the module docstring).
NOW, NEEDS_NOW, CLUE, SELF_HARM = "now", "needs_now", "clue", "self_harm"


@dataclass(frozen=True)
class Sign:
    kind: str      # a kind of KINDS, or a clue name starting with "_" (used only in COMBINATIONS)
    pattern: str   # regex over the normalised text (lower case, no apostrophes)
    tier: str


def _any(*alternatives: str) -> str:
    return "(?:" + "|".join(alternatives) + ")"


WHO = _any("my", "his", "her", "their", "the", "our", "your")
SELF = _any("my ?self", "himself", "herself", "themselves", "themself", "ourselves")
CANT = _any("cant", "can not", "cannot", "couldnt", "unable to")
WONT = _any("wont", "will not", "doesnt", "does not", "isnt", "is not", "hasnt", "has not", "cant", "cannot",
            "can not", "never")
BREATHE = r"brea?th(?:e|ing)?"
PILLS = r"(?:\w+ ){0,2}" + _any("pills?", "tablets?", "capsules?", "meds", "medicines?", "medications?",
                               "prescriptions?")
STOOL = _any("stools?", "poops?", "poo", "bowel movements?", "bms?", "feces", "diarrh[o]?ea")
SEIZURE = _any("s(?:ei|ie|ea)[sz]ures?", "convulsions?", "fits?")

SIGNS: tuple[Sign, ...] = (
    # --- unresponsive / not breathing
    Sign("unresponsive", _any(r"unresponsive", r"not (?:responding|responsive)", rf"{WONT} respond(?:ing)?",
                              r"uncon(?:s|c|sc)i?ous", r"(?:wont|will not|cant|cannot|can not|not) wak(?:e|ing) "
                              r"(?:\w+ )?up", rf"{CANT} (?:wake|rouse) (?:him|her|them|my \w+)",
                              r"(?:not|isnt|stopped|no longer) breathing", r"no (?:pulse|heartbeat)",
                              r"doing cpr"), NOW),
    # --- severe allergic reaction
    Sign("anaphylaxis", _any(r"throat (?:is |feels |has |keeps )?(?:closing|closed|swelling|swollen|tight"
                             r"|tightening)",
                             r"(?:lips?|tongue|mouth|face|throat|eyes?)(?: and (?:my )?(?:lips?|tongue|mouth|face"
                             r"|throat|eyes?))? (?:(?:is|are|has|have|keeps?|started|starting|getting|been) )*"
                             r"(?:swelling|swollen|puffing|puffed|blowing up)",
                             r"swelling (?:of|in) (?:my|his|her|the) (?:lips?|tongue|throat|face|mouth)",
                             r"swollen (?:lips?|tongue|throat)", r"anaphyla\w*",
                             r"(?:used|gave (?:him|her|me)) (?:my |his |her |the |an? )?epi ?pen"), NOW),
    Sign("anaphylaxis", r"(?:severe|bad|serious|major) allergic reaction", NEEDS_NOW),
    Sign("_allergy", _any(r"hives", r"welts", r"allergic", r"rash (?:all )?over", r"itch(?:y|ing) all over",
                          r"breaking out"), CLUE),
    # --- seizure
    Sign("seizure", _any(rf"(?:is |are |im |hes |shes |keeps? |still )?having (?:a |another |more )?{SEIZURE}",
                         r"s(?:ei|ie|ea)[sz]ing(?! up)", r"convulsing",
                         r"(?:shaking|jerking) (?:all over|uncontrollably|and (?:wont|not|isnt) respond)",
                         rf"{SEIZURE} {WONT} stop", r"status epilepticus", r"back to back s(?:ei|ie)zures"),
         NOW),
    Sign("seizure", _any(r"s(?:ei|ie|ea)[sz]ures?", r"convulsions?"), NEEDS_NOW),
    # --- breathing
    Sign("breathing", _any(rf"{CANT} (?:\w+ ){{0,2}}{BREATHE}", rf"{CANT} (?:catch|get) (?:\w+ ){{0,2}}breath",
                           rf"(?:struggling|struggles|fighting|gasping|hardly|barely) (?:to )?{BREATHE}",
                           r"gasping(?: for (?:air|breath))?", r"choking",
                           r"(?:lips|face|fingers?|fingernails|skin) (?:(?:are|is|look|looks|turning|turned|"
                           r"going|gone) )+(?:blue|gr[ae]y|purple)",
                           r"(?:blue|gr[ae]y|purple) lips", r"cant (?:speak|talk) (?:in )?full sentences"), NOW),
    Sign("breathing", _any(r"short(?:ness)? (?:of|o) breath", r"out of breath", r"breathless", r"winded",
                           rf"(?:trouble|difficulty|hard time|problems?) (?:\w+ )?{BREATHE}"),
         NEEDS_NOW),
    # --- chest pain / heart attack
    Sign("chest_pain", _any(r"chest (?:(?:is|feels|has been|keeps|started) )?(?:(?:really|so|very|super) )?"
                            r"(?:hurts?|hurting|aches?|aching|tight|tightening|burning|crushing|squeezing|heavy|"
                            r"pounding|killing me)",
                            rf"(?:elephant|weight) (?:\w+ )?(?:on|sitting on) {WHO} chest",
                            r"having (?:a |an )?heart attack",
                            r"chest (?:pain|pressure) (?:\w+ )?(?:spreading|radiating|going|moving|shooting)"),
         NOW),
    Sign("chest_pain", _any(r"chest ?(?:pains?|pian|pressure|tightness|discomfort|heaviness)",
                            rf"(?:pain|pressure|tightness|heaviness|squeezing|discomfort) (?:in|on) {WHO} chest",
                            r"heart attack", r"angina"), NEEDS_NOW),
    # --- stroke (and sudden severe headache)
    Sign("stroke", _any(r"(?:face|mouth|smile|eyelid|lip) (?:(?:is|looks|has|seems|started|starting|getting|"
                        r"keeps|went|gone) )*(?:droop\w*|crooked|lopsided|sagging|numb)",
                        r"(?:drooping|droopy|crooked|lopsided) (?:face|mouth|smile)",
                        r"slurr(?:ed|ing)(?: \w+)? (?:speech|words|speaking|talking)",
                        r"(?:speech|words|talking) (?:is |are |sounds? )?(?:slurred|slurring|garbled|jumbled)",
                        rf"{CANT} (?:speak|talk|get (?:the |my )?words out|find (?:the |my )?words)",
                        rf"{CANT} (?:move|lift|feel|raise) {WHO} (?:left |right )?(?:arm|leg|hand|face|side)",
                        r"(?:sudden|suddenly) (?:\w+ ){0,3}(?:weak|weakness|numb|numbness|paraly\w*|blind|cant see)",
                        r"(?:weak|weakness|numb|numbness|paraly\w*) (?:on|in|down) (?:one|the (?:left|right)|"
                        r"(?:my|his|her) (?:left|right)) side",
                        r"one side of (?:my|his|her|the) (?:face|body) (?:is |feels |went |has gone )?"
                        r"(?:numb|weak|drooping|droopy|paralyzed|dead)",
                        r"having (?:a |another )?stroke", r"worst headache (?:of|in) (?:my|his|her) life",
                        r"thunderclap headache"), NOW),
    Sign("stroke", r"\bstroke", NEEDS_NOW),
    # --- overdose / poisoning
    Sign("overdose", _any(r"(?:took|taken|swallowed|ate) (?:way |far |a few |a lot )?too (?:many|much)",
                          r"overdos(?:ed|ing)", r"(?:took|taken) (?:an? )?overdose",
                          r"(?:took|taken|swallowed|ate|downed|drank) (?:\w+ )?(?:whole|entire|full) "
                          r"(?:bottle|box|pack|packet|sheet)",
                          r"(?:took|taken|swallowed|ate|downed) (?:a|the|half (?:a|the)) (?:bottle|box|pack|packet) "
                          rf"of {WHO}", r"(?:took|taken|swallowed|ate) a (?:whole )?handful",
                          rf"(?:took|taken|swallowed) all (?:of )?{WHO} {PILLS}",
                          r"(?:took|taken|swallowed|ate) (?:\d{2,}|ten|eleven|twelve|fifteen|twenty|thirty|a dozen|"
                          r"dozens of) (?!mg|mcg|milligrams?|micrograms?|units?|ml|cc|g\b|grams?|minutes?|mins?|hours?|"
                          r"hrs?|days?|puffs?|drops?|percent|mmol)",
                          rf"(?:got into|ate|swallowed|chewed) (?:some|a few|several|a bunch|a couple|all|\w+) "
                          rf"of {WHO} {PILLS}",
                          rf"(?:baby|toddler|child|kid|son|daughter|grand\w+|year old|dog|puppy|cat) (?:\w+ ){{0,2}}"
                          rf"(?:got into|ate|swallowed|took|chewed|found and ate) (?:\w+ ){{0,4}}{PILLS}"), NOW),
    Sign("overdose", r"\boverdose", NEEDS_NOW),
    Sign("_extra_dose", _any(r"accidentally (?:took|taken|gave|double)",
                             r"(?:took|taken|had|gave (?:him|her|me)) (?:my |his |her |the |an? )?(?:\w+ )?"
                             r"(?:double|twice|extra|two|2|second|another) (?:doses?|pills?|tablets?|of)",
                             r"(?:double|triple) (?:dose|dosed)",
                             r"(?:\d+|two|three|four|five|double|triple) times (?:my|the|his|her|a) (?:\w+ )?dose",
                             r"took (?:\w+ ){0,3}(?:twice|two times|2 times|by mistake)",
                             r"took (?:\w+ ){0,2}double", rf"wrong {PILLS}",
                             rf"(?:someone|somebody|\w+) elses {PILLS}"), CLUE),
    # --- bleeding (heavy only)
    Sign("bleeding", _any(rf"bleed(?:ing)? (?:\w+ ){{0,6}}{WONT} (?:stop|slow)",
                          rf"{WONT} stop(?:ped)? (?:the )?bleed(?:ing)?",
                          r"bleed(?:ing)? (?:\w+ ){0,3}(?:keeps|still) (?:going|coming)",
                          r"(?:bleeding|bleed|bled) (?:\w+ )?(?:heavily|a lot|alot|badly|profusely|everywhere|"
                          r"nonstop|non stop|like crazy|so much|through)",
                          r"(?:blood|bleeding) (?:is |keeps )?(?:gushing|pouring|spurting|squirting|pumping|"
                          r"streaming|running down)",
                          r"(?:gushing|pouring|spurting|squirting) (?:out )?blood",
                          r"soak(?:ing|ed|s)? (?:through )?(?:\w+ ){0,2}(?:pads?|bandages?|dressings?|gauze|towels?|"
                          r"shirt|sheets?|clothes)",
                          r"(?:lots|a lot|alot|so much|tons|huge amount|large amount|pool|puddle|cups?) of blood",
                          r"blood everywhere", r"ha?emorrhaging",
                          r"clots? (?:the size of|bigger than|as big as|larger than)"), NOW),
    Sign("bleeding", r"ha?emorrhage", NEEDS_NOW),
    # --- vomiting or coughing blood
    Sign("blood_vomit_or_cough", _any(
        r"(?:throwing up|threw up|throw up|throws up|vomm?it+(?:ing|ed|s)?|puking|puked|coughing|coughed|"
        r"coughs|spitting|spit|spits)(?: up)? (?:\w+ ){0,3}blood",
        r"(?:blood|bloody) (?:in|on) (?:my|his|her|the) (?:vomit|sick|spit|phlegm|sputum|mucus)",
        r"bloody (?:vomit|phlegm|sputum|spit|mucus|cough)",
        r"(?:vomit|puke|throw up|sick|threw up)(?: \w+){0,3} (?:looks |look |like )+coffee grounds?",
        r"coffee grounds? (?:vomit|emesis)"), NOW),
    Sign("blood_vomit_or_cough", r"hematemesis|hemoptysis", NEEDS_NOW),
    # --- black stools with dizziness (clues, see COMBINATIONS)
    Sign("_black_stool", _any(rf"(?:black|tarry|tar like|maroon|bloody)(?: and (?:black|tarry|sticky))? {STOOL}",
                              rf"{STOOL} (?:(?:is|are|has been|have been|look|looks|turned|became|went|like) )+"
                              r"(?:black|tarry|like tar|tar)",
                              rf"blood in (?:my |his |her |the )?{STOOL}", r"melena", r"pooping blood"), CLUE),
    Sign("_dizzy", _any(r"dizz(?:y|iness)|dizy", r"light ?headed(?:ness)?", r"woozy", r"faint(?:ish)?\b",
                        r"feel(?:s|ing)? (?:like )?(?:\w+ )?(?:weak|awful|terrible|confused|sleepy|drowsy)",
                        r"(?:drowsy|sleepy|confused|cant stay awake|heart (?:is )?racing)",
                        r"room (?:is )?spinning"), CLUE),
    # --- fainting
    Sign("fainting", _any(r"faint(?:ed|ing)", r"passe?d out", r"past out", r"pass(?:ing)? out",
                          r"black(?:ed|ing)? out", r"collaps(?:ed|ing|es)(?! lung)", r"keeled over",
                          r"los(?:t|ing|e) consciousness"), NOW),
    # --- suicide / self-harm
    Sign("self_harm", _any(r"su?ic?id\w*|suicid\w*",
                           rf"(?:kill|killing|killed) {SELF}",
                           r"(?:end|ending|take|taking|took) (?:my|his|her|their) (?:own )?life",
                           rf"(?:wants?|wanna|going|gonna|plans?|planning|thinking|think|thought|thoughts|feel like|"
                           rf"tempted|urge|trying|tried|try|about) (?:to |about |of |on )?(?:\w+ )?"
                           rf"(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|shoot|shooting|hang|hanging|"
                           rf"drown|drowning|poison|poisoning|starve|starving) {SELF}",
                           rf"(?:been|keep|keeps|im|am|is|hes|shes|started) (?:cutting|burning|hurting|harming) {SELF}",
                           r"self ?harm\w*",
                           r"(?:dont|do not|no longer|doesnt|does not) want to (?:live|be alive|be here|exist|go on|"
                           r"wake up)",
                           r"(?:not sure|dont know) (?:if|whether) i (?:want to|wanna) (?:live|go on|be alive)",
                           r"(?:want|wanna|wants|wish) (?:i could |i was |i were |to )?"
                           r"(?:die|be dead|dead)",
                           r"(?:thinking|thought|thoughts|think|planning|plan|want|going|gonna) (?:\w+ ){0,2}"
                           r"(?:end|ending) (?:it|things|everything)\b",
                           r"(?:going|gonna|want|wanna|plan|planning|thinking about|thinking of) (?:to )?"
                           r"(?:take|taking|swallow|swallowing) (?:all|the whole|a whole|every)\b",
                           r"better off (?:dead|without me)", r"no (?:reason|point) (?:to|in) (?:live|living|go on|"
                           r"going on)",
                           rf"{CANT} go on(?: anymore| like this)?"), SELF_HARM),
)

# Clues that together make an emergency: (clues or kinds that must all be present, resulting kind).
COMBINATIONS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"_allergy", "breathing"}), "anaphylaxis"),
    (frozenset({"_black_stool", "_dizzy"}), "black_stool_dizzy"),
    (frozenset({"_black_stool", "fainting"}), "black_stool_dizzy"),
    (frozenset({"_extra_dose", "_dizzy"}), "overdose"),
    (frozenset({"_extra_dose", "fainting"}), "overdose"),
    (frozenset({"_extra_dose", "bleeding"}), "overdose"),
    (frozenset({"_extra_dose", "breathing"}), "overdose"),
)

# Words that, at most a few words before a sign, deny it: "no chest pain", "I don't have any chest pain".
NEGATORS = frozenset("""no not never without denies denied deny none nor neither dont doesnt didnt isnt arent
wasnt werent havent hasnt hadnt aint nothing free""".split())
NEGATION_WINDOW = 3

# Frames that make what follows hypothetical, a how-to or a general question: (regex, most words
# allowed between the frame and the sign). "What should I do if I get chest pain" -> "if" + 2 words.
HYPOTHETICAL_FRAMES: tuple[tuple[str, int], ...] = (
    # "not sure if I'm having a stroke" is unsure, not hypothetical
    (r"(?<!sure )(?<!know )(?<!wonder )(?<!wondering )\b(?:if|whether)", 4),
    (r"\b(?:in case(?: of)?|incase|whenever|suppose|supposing|unless)", 4),
    (r"\bwhen", 2),
    (r"\b(?:will|would|might) (?:i|my|it|he|she|this|the|there)", 2),
    (r"\bhow (?:do|would|can|will|could|should) (?:i|you|we|they|one) (?:know|tell)", 4),
    (r"\b(?:signs?|symptoms?|warning signs?|red flags?)(?: and symptoms)? (?:of|for|like|such as|include)", 3),
    (r"\b(?:watch|look|keep an eye|be alert)(?: out)? for", 3),
    (r"\b(?:prevent|avoid|causes?|caused|cause of|chance of|likely to|risk of|risk for|normal to|normal for|"
     r"expected to|supposed to|ok to|okay to)", 2),
    (r"\b(?:after|since|following)", 1),
    (r"\b(?:worried|scared|afraid|fear|nervous|anxious|worry)(?: \w+)? (?:about|of)(?: having| getting)?"
     r"(?: another| an?)?", 0),
    (r"\b(?:medicines?|medications?|drugs?|pills?|treatment|treat|stops?|help|helps) for", 1),
    (r"\b(?:whats|what is|what are|define|meaning of)", 1),
)

# Frames that make what follows a question about the summary or the record.
REPORT_FRAMES: tuple[tuple[str, int], ...] = (
    (r"\b(?:summary|report|papers?|paperwork|discharge|it|doctors?|dr|nurses?|they|letter|notes?|chart|records?|"
     r"instructions|sheet) (?:\w+ )?(?:says?|said|states?|stated|shows?|reads?|notes?|noted|explains?|wrote|told)", 3),
    (r"\b(?:mentions?|mentioned|lists?|listed|written|documented|diagnosis|diagnosed with|history of)", 3),
    (r"(?<!worried )(?<!scared )(?<!afraid )(?<!concerned )(?<!nervous )\babout", 1),
    (r"\b(?:treated|admitted|hospitalized|hospitalised|tested|checked|screened|evaluated|seen|worked up) (?:for|with)"
     , 3),
    (r"\b(?:ruled out|rule out|side effects?(?: of)?|adverse effects?)", 3),
    (r"\b(?:was|were|did) (?:i|he|she|they|we)\b", 3),
    (r"\b(?:denies|denied|negative for)", 4),
)

# Said right after a sign: it is being asked about, not happening. "black stools and dizziness are warning signs".
POST_FRAMES = re.compile(r"^\W*(?:(?:is|are|can be|could be|may be|might be) )?(?:an? |the )?(?:listed|mentioned|"
                         r"warning signs?|signs? of|side effects?|symptoms? of|normal|common|expected|serious|"
                         r"dangerous)\b")

# A clause set in the past or already over: every sign in it is dropped.
PAST_TIME = re.compile("|".join((
    r"(?<!since )(?<!the )(?<!this )\blast (?:week|month|year|night|time|weekend|visit|stay|admission|"
    r"spring|summer|fall|autumn|winter|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    r"(?<!since )\byesterday\b", r"\bthe other day\b", r"\bin the past\b", r"\bused to\b", r"\bpreviously\b",
    r"\bas a (?:kid|child|teen|teenager|baby)\b", r"\bin (?:19|20)\d\d\b",
    r"\b(?:\d+|an?|one|two|three|four|five|six|few|several|couple(?: of)?) (?:days?|weeks?|months?|years?) ago\b",
    r"\bin (?:the )?(?:hospital|icu|intensive care)\b", r"\bduring (?:my|the|his|her) (?:\w+ )?(?:stay|admission|"
    r"surgery|operation|procedure|hospitali[sz]ation)\b",
    r"\bwhile (?:i|he|she) (?:was|were) (?:in|admitted|there)\b", r"\bon (?:admission|arrival)\b",
    r"\bbefore (?:i was |he was |she was )?(?:admitted|discharged|discharge|my surgery|the surgery|surgery)\b",
    r"\bwhen (?:i|he|she) (?:came|was brought|arrived)\b",
    r"\b(?:is|its|has|have|was|were|are) (?:all |completely )?(?:gone|over|resolved|better|fine now)\b",
    r"\bwent away\b", r"\bgone now\b", r"\bresolved\b", r"\bhas passed\b", r"\bcleared up\b",
    r"(?<!nt )(?<!not )(?<!never )(?<!wont )\bstopped\b(?! (?:breathing|responding|moving))",
    r"\bfeel(?:ing)? (?:fine|better|ok|okay|good|normal) now\b",
)))

# Said anywhere, it undoes the past markers: "I had chest pain last week and now it's back".
STILL_GOING = re.compile(r"\b(?:its|it is|it has|its come|has come|is) back\b|\bcame back\b|"
                         r"\b(?:it|pain|symptoms?|bleeding) (?:has |have )?returned\b|\bstarted again\b|"
                         r"\bhappening again\b|\bworse now\b|\bgetting worse\b|"
                         r"\bstill (?:there|going|hurts|happening)\b")

# Past tense that rules out a bare symptom name, but not a NOW sign: "I had a seizure, can I drive?".
PAST_TENSE = re.compile(r"\b(?:i|he|she|we|they|my \w+) (?:had(?! to)|was|were)\b|"
                        r"\bdid (?:i|he|she|they|my \w+) have\b")

# Somewhere in the question, something says the symptom is present now.
PRESENT = re.compile("|".join((
    r"\b(?:i|he|she|we|they)(?: (?!will|would|might|may|could|should|can)\w+)? (?:have|has|am|is|are|feel|feels|"
    r"keep|keeps|got)\b",
    r"\b(?:im|ive|hes|shes|theyre|weve|ive got)\b",
    r"\bmy (?:\w+ ){0,2}(?:is|are|has|have|feels?|keeps?|hurts?|wont|cant|just|started|looks?|seems?)\b",
    r"\b(?:right )?now\b", r"\bcurrently\b", r"\bat the moment\b", r"\bstill\b", r"\bjust\b",
    r"\bsudden(?:ly)?\b", r"\b(?:started|starting|began|beginning)\b", r"\bwont (?:stop|go away)\b",
    r"\bgetting worse\b", r"\bworse\b", r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b",
    r"\b(?:for|since) (?:the )?(?:last |past )?(?:\d+|an?|one|two|few|couple of) (?:minutes?|mins?|hours?)\b",
    r"\b(?:having|getting)\b",
    r"\b(?:crushing|severe|terrible|horrible|unbearable|worst|excruciating|intense|really bad|so bad)\b",
    r"\b(?:i think|i feel like|feels like|help me|please help)\b", r"^help\b|\bhelp$",
    r"\b(?:am i|is (?:he|she|my \w+)|are (?:we|they))\b",
)))

PERSON = re.compile(r"\b(?:i|im|ive|id|me|my|mine|we|our|us|he|hes|she|shes|his|her|him|they|theyre|their|them|"
                    r"husband|wife|son|daughter|mom|mum|dad|mother|father|baby|child|kid|friend|partner|grandma|"
                    r"grandpa|grandmother|grandfather|brother|sister|boyfriend|girlfriend)\b")
QUESTION_START = re.compile(r"^\W*(?:is|are|does|do|can|could|should|will|would|what|whats|how|why|when|which|who"
                            r"|may|might)\b")

# "and" starts a new clause only before a new subject or time: "discharged yesterday and I'm having chest pain".
CLAUSE_BREAK = re.compile(r"[.!?;,:\n()]+|\b(?:but|although|though|however|except)\b|"
                          r"\band (?=(?:now|today|tonight|then|i|im|ive|he|hes|she|shes|they|theyre|my)\b)")

# A symptom name used as a label is not a symptom: "stroke clinic", "seizure medicine", "chest pain follow-up".
LABEL_AFTER = (r"(?!\w* (?:clinic|follow|doctor|unit|team|risk|prevention|precautions|medicines?|meds|medications?|"
               r"drugs?|pills?|specialist|nurse|rehab|center|centre|plan|history|test|tests|work ?up|appointment|"
               r"protocol|education|diet|amount|limit|dose))")

_COMPILED = tuple((sign, re.compile(f"(?:{sign.pattern}){LABEL_AFTER if sign.tier == NEEDS_NOW else ''}"))
                  for sign in SIGNS)
_HYPOTHETICAL = tuple(re.compile(frame + rf"(?:\W+\w+){{0,{gap}}}\W*$") for frame, gap in HYPOTHETICAL_FRAMES)
_REPORT = tuple(re.compile(frame + rf"(?:\W+\w+){{0,{gap}}}\W*$") for frame, gap in REPORT_FRAMES)


def normalise(text: str) -> str:
    """Lower case, no apostrophes ("can't" -> "cant"), hyphens and slashes as spaces, single spaces."""
    text = text.lower()
    text = re.sub(r"['\u2018\u2019\u02bc`\u00b4]", "", text)
    text = re.sub(r"[-/\u2013\u2014_*\"]", " ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def clauses(text: str) -> list[str]:
    return [part.strip() for part in CLAUSE_BREAK.split(text) if part and part.strip()]


def _negated(before: str) -> bool:
    return any(word in NEGATORS for word in re.findall(r"\w+", before)[-NEGATION_WINDOW:])


def _framed(before: str, frames: tuple[re.Pattern, ...]) -> bool:
    return any(frame.search(before) for frame in frames)


def _general_question(clause: str, end: int) -> bool:
    """A question that starts with a question word and names no person up to the sign: "is vomiting blood a
    side effect?" (but "why can't I breathe?" names one)."""
    head = clause[:end]
    return bool(QUESTION_START.match(clause)) and not PERSON.search(head)


def _counts(sign: Sign, clause: str, match: re.Match, present: bool, still_going: bool) -> bool:
    before, after = clause[:match.start()], clause[match.end():]
    past = not still_going and PAST_TIME.search(clause)
    if _negated(before) or past or _framed(before, _REPORT):
        return False
    if sign.tier == SELF_HARM:
        return True
    if _framed(before, _HYPOTHETICAL) or _general_question(clause, match.end()) or POST_FRAMES.match(after):
        return False
    if sign.tier == NEEDS_NOW:
        return present and (still_going or not PAST_TENSE.search(clause))
    return True


def found_signs(question: str) -> set[str]:
    """The kinds and clues of SIGNS that count in the question (before COMBINATIONS)."""
    parts = clauses(normalise(question))
    still_going = any(STILL_GOING.search(part) for part in parts)
    present = still_going or any(PRESENT.search(part) for part in parts if not PAST_TIME.search(part))
    found: set[str] = set()
    for part in parts:
        for sign, pattern in _COMPILED:
            if sign.kind in found:
                continue
            if any(_counts(sign, part, match, present, still_going) for match in pattern.finditer(part)):
                found.add(sign.kind)
    return found


def detect_emergency(question: str) -> Emergency | None:
    """The emergency the question describes as happening now, or None."""
    if not question or not isinstance(question, str):
        return None
    found = found_signs(question)
    found |= {kind for needed, kind in COMBINATIONS if needed <= found}
    for kind in KINDS:
        if kind in found:
            return Emergency(kind=kind, self_harm="self_harm" in found)
    return None


# Names to say beside well-known crisis numbers; any other configured number is called "a crisis line".
CRISIS_LINE_NAMES = {"988": "the Suicide & Crisis Lifeline"}


def emergency_notice(emergency: Emergency, emergency_number: str = "911", crisis_line: str = "988") -> str:
    """Plain text to show before any answer: call the emergency number now; for self-harm, the crisis line."""
    number = (emergency_number or "").strip() or "911"
    lines = [f"This sounds like it could be an emergency. Call {number} (your local emergency number) now, "
             "or have someone take you to the nearest emergency department. Please don't wait for an answer here."]
    if emergency.self_harm:
        crisis = (crisis_line or "").strip() or "988"
        name = CRISIS_LINE_NAMES.get(crisis, "a crisis line")
        lines.append(f"You are not alone. You can call or text {crisis} ({name}) at any time, day or night, "
                     f"to talk with someone now. If you are in immediate danger, call {number}.")
    return "\n".join(lines)
