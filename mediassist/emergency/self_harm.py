"""Suicidal and self-harm language, said plainly. It always wins: such a message gets the crisis line even when
phrased as a "what if" ("what do I do if I want to end my life?"), because missing it costs far more than
showing it. Only a denial, the past, or a question about the record rules it out.

Indirect wording ("no point carrying on", "saving up my tablets") is recognised by the embedding model against
the self_harm descriptions of the bank (detector.py); this list is the explicit vocabulary, reviewed as a whole.
"""
from __future__ import annotations

import re

from .framing import DENIES_HAVING, Clause, Framing, split_clauses

SELF = r"(?:my ?self|himself|herself|themselves|themself|ourselves)"
PILLS = r"(?:pills?|tablets?|meds|medicines?|medications?|capsules?|painkillers|bottles?|packets?|packs?|boxes|strips?)"

# "Keep taking all her usual tablets", "still take all my regular medicines": taking them as prescribed, not an
# overdose ("take all my sleeping tablets")
NOT_A_ROUTINE = r"(?<!keep )(?<!keeps )(?<!continue )(?<!continue to )(?<!still )(?<!carry on )"
NOT_ROUTINE_MEDICINES = r"(?!(?:usual|regular|normal|daily|prescribed|other|morning|evening|night) )"

EXPLICIT = re.compile("|".join((
    rf"\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting|burn|burning|hang|hanging|poison|poisoning) {SELF}\b",
    r"\bsuicid\w*", r"\bself ?harm\w*", r"\b(?:take|taking|took|end|ending|ended) (?:my|his|her|their) (?:own )?life\b",
    r"\bend (?:it all|it tonight|it now|everything|things|it)\b(?! (?:with|early))",
    r"\b(?:better off|be better) (?:dead|without me|without him|without her|if i (?:was|were) gone)\b",
    r"\b(?:i|he|she|they) (?:just |really )?(?:want|wants|wanted|wanna) (?:to )?die\b",
    r"\b(?:not|dont|do not|doesnt|does not|didnt|did not|no) (?:want|wants|wanna|wish) (?:to )?"
    r"(?:live|be alive|be here|wake up|go on|exist|carry on)\b",
    r"\bno (?:point|reason|use) (?:in )?(?:living|going on|carrying on|being alive|to live|to go on)\b",
    rf"\b(?:saving|saved|collecting|collected) (?:up )?(?:all )?(?:my |his |her )?(?:\w+ )?{PILLS}",
    r"\b(?:stockpil|hoard)\w*",
    r"\b(?:did|done|took|taken|take|cut|burn\w*|hurt|harm\w*|overdos\w*|swallow\w*)\b.*\b(?:on purpose|deliberately|"
    r"intentionally|with intent)\b",
    r"\bsleep and (?:never|not) wake up\b",
    rf"\b{NOT_A_ROUTINE}(?:take|taking|took|swallow|swallowing|swallowed) (?:all|every one|the whole|a whole|the rest|"
    rf"loads|lots|a (?:whole )?(?:bunch|load|lot|handful|heap|pile|fistful)) (?:of )?(?:my |his |her |the )?"
    rf"{NOT_ROUTINE_MEDICINES}(?:\w+ )?{PILLS}",
    r"\b(?:take|taking|took|swallow\w*) (?:them|it|those|these) all\b",
    r"\boverdos\w* on purpose\b", r"\b(?:goodbye|suicide|farewell) (?:note|letter|message)s?\b",
    r"\bjump (?:off|from|in front of)\b", r"\bnot (?:be|being) (?:here|around) (?:anymore|much longer|tomorrow)\b",
)))

# Self-harm named as a topic of the record or of risk, not said by the person: "my suicide risk", "denies SI".
# "Notes", "letters" and "written" name the record only as a source of words ("what does my letter say", "written
# in my notes"): alone they may be a farewell ("my notes to everyone are on the table"), and a missed crisis line
# costs far more than a needless one.
_PAPER = (r"(?<!suicide )(?<!goodbye )(?<!farewell )"   # "my goodbye letter says sorry" is no record
          r"(?:notes?|letters?|papers?|discharge (?:\w+ )?(?:sheet|plan|instructions))")
ABOUT_THE_RECORD = re.compile(
    r"\b(?:summary|report|records?|chart|paperwork|document|history|mentioned|mentions|listed|documented|risk|"
    r"screen\w*|assessment|ideation|denies|denied)\b|\bwhat (?:does|do)\b[^.]*\bmeans?\b|"
    rf"\b{_PAPER} (?:\w+ )?(?:says?|said|mentions?|shows?|states?|lists?)\b|"
    rf"\b(?:in|on|from|by) (?:my|the|his|her|their|your) (?:\w+ )?{_PAPER}\b|"
    rf"\bwhat (?:does|do|did) (?:my|the|his|her|their) (?:\w+ )?{_PAPER}\b")

# Self-harm long past, told by the marks it left: "old self-harm scars", "the scars from her past self-harm".
HEALED = re.compile(r"\b(?:old|past|healed|faded|fading|previous)\b(?: \w+){0,3} scars?\b|"
                    r"\bscars? (?:from|of) (?:\w+ )?(?:past|old|previous)\b")

FIRST_PERSON = re.compile(r"\b(?:i|im|ive|id|me|my|myself)\b")
SPEAKER_WORDS = 3   # words before the self-harm words that say whose they are ("if I want to ...")


def explicit_self_harm(clause: Clause, framing: Framing) -> bool:
    """Self-harm said in this clause, and not denied, in the past, or asked about as a topic of the record.
    A "what if" about someone else ("what signs show my son might hurt himself?") is a question, not a crisis;
    about oneself ("what do I do if I want to kill myself?") it is one."""
    match = EXPLICIT.search(clause.text)
    if not match:
        return False
    if clause.denies_having or clause.past_time or HEALED.search(clause.text) or ABOUT_THE_RECORD.search(clause.text):
        return False
    return not framing.any_hypothetical or _said_of_oneself(clause.text, match)


def _said_of_oneself(text: str, match: re.Match) -> bool:
    before = " ".join(text[:match.start()].split()[-SPEAKER_WORDS:])
    return bool(FIRST_PERSON.search(before + " " + match.group(0)))


def without_denied_self_harm(normalised: str) -> str:
    """The message less its clauses that deny self-harm ("im not suicidal", "no thoughts of hurting myself"). The
    model reads what is left: on the whole message it reads the words of self-harm and not the "not" before them
    ("I don't feel suicidal, just tired" read as a crisis). Nothing else is taken out: "hes not breathing" denies
    no self-harm, and "I don't want to go on" is no denial."""
    clauses = split_clauses(normalised)
    kept = [clause for clause in clauses if not (DENIES_HAVING.match(clause) and EXPLICIT.search(clause))]
    return ", ".join(kept) if len(kept) < len(clauses) else normalised
