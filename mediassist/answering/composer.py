"""The no-LLM answer: the lines of the summary that answer, quoted under their section and page.

The lines are scored by scoring.LineScorer. Nothing at or above the calibrated answer threshold means the
summary does not say, and the answer says exactly that. A question that asks for a detail (a dose, how long,
a date) which none of the answering lines gives is told so plainly, with those lines as the source: "Your
summary names Motrin but does not give a dose", never the drug's line as if it were the dose.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from mediassist.plan.drugs import Mention, vocabulary
from patient_language import QuestionAnalysis
from prompting import NOT_IN_SUMMARY, Passage

from mediassist.plain.reading import quoted_line

from .asks import ASKS_A_NAME, DETAIL_WORDS, asked_details, gives
from .drug_kinds import kinds_asked, names_one_drug
from .drug_names import contains_drug, is_drug, one_drug, one_substance, shares_a_drug
from .lines import Line, lines_of, passages_of, with_items
from .scoring import LineScorer, answer_signals, plan_lacks_the_topic, ruled_out

OFFLINE_NOTICE = ("The AI model is offline, so this answer quotes your discharge summary word for word. "
                  "Ask your care team if anything is unclear.")
DETAIL_MISSING = "Your summary mentions this but does not give {detail}. Ask your pharmacist or care team."
DRUG_NOT_MENTIONED = "Your summary does not name {drug}."
ONLY_IN_A_PRODUCT = ("Your summary does not name {drug} on its own. It names {product}, which contains {drug}. "
                     "Ask your pharmacist before you take {drug}.")
IN_AN_ALLERGY = ("Your summary lists {product} as an allergy. It has {drug} in it. Ask your doctor before you take "
                 "any.")
NO_CLEAR_ANSWER = ("Your summary does not seem to answer this clearly. These are the lines closest to your "
                   "question. Please check them with your care team.")
MAX_LINES = 12
CLOSEST_LINES = 3
DETAIL_FOLLOWS = 3  # lines after a drug's name that still give its details (a nested list)
DETAIL_SEARCH = 5   # the best lines among which a line giving the asked detail is looked for
SECTION_LINES = 2   # lines of the answering section added when none was chosen
TAKING_DETAILS = {"dose", "frequency", "duration", "span"}
ALLERGY = re.compile(r"\ballerg\w*|\badverse\b|\bintoleran\w*|\breactions?\b|\banaphyla\w*", re.IGNORECASE)
TOLERATED = re.compile(r"\bnkda\b|\bno known\b|\btolerat\w*", re.IGNORECASE)
ASKS_TO_TAKE = re.compile(r"\b(?:can|could|may|should|do)\s+(?:i|he|she|we|they)\s+(?:still\s+)?"
                          r"(?:take|have|use|give)\b", re.IGNORECASE)
# A place or a phone number is written in too many ways ("at nearest PHC", "x4521", "13 14 50") to claim it is
# missing: such a question gets its lines, never "your summary does not give where to go".
CLAIMED_DETAILS = {"dose", "frequency", "duration", "span", "date", "who", "measure"}


@dataclass(frozen=True)
class ExtractiveAnswer:
    text: str
    found: bool
    passages: list[Passage]
    support: float = 0.0      # the calibrated probability of the best line: how surely the summary answers
    lines: tuple[Line, ...] = ()   # the lines quoted, when the summary answers
    shown: tuple[str, ...] = ()    # the text of every line shown, whether the summary answers or not


def compose(analysis: QuestionAnalysis, passages: list[Passage], scorer: LineScorer,
            notice: str = OFFLINE_NOTICE, planned: frozenset[str] | None = None) -> ExtractiveAnswer:
    """planned: the plan categories with items in the summaries asked about (plans.py); None if not known."""
    lines = [line for passage in passages for line in lines_of(passage)]
    if not lines:
        return ExtractiveAnswer(f"{notice}\n\n{NOT_IN_SUMMARY}", False, [])
    calibration = scorer.calibration
    asked, unnamed = _drugs_not_named(analysis.question, lines)
    if unnamed and len(unnamed) == len(asked):
        return ExtractiveAnswer(f"{notice}\n\n{DRUG_NOT_MENTIONED.format(drug=unnamed[0].text)} {NOT_IN_SUMMARY}",
                                False, [])
    in_a_product = _only_in_a_product(analysis.question, lines)
    if in_a_product:
        return _in_a_product(notice, *in_a_product)
    features = scorer.features(analysis, lines)
    probabilities = calibration.probabilities(features)
    signals = answer_signals(features, probabilities, calibration.quote_threshold, analysis.topic_found,
                             scorer.uncovered(analysis, lines), bool(analysis.specific_stems),
                             plan_lacks_the_topic(analysis, planned), scorer.question_prior(analysis))
    support = calibration.support(signals)
    order = np.argsort(-probabilities)
    if ruled_out(signals, calibration.quote_threshold) or support < calibration.closest_threshold:
        return ExtractiveAnswer(f"{notice}\n\n{NOT_IN_SUMMARY}", False, [], support)
    if support < calibration.answer_threshold:
        return _closest_lines(notice, [lines[i] for i in order[:CLOSEST_LINES]], support)
    chosen = [lines[i] for i in calibration.quoted(probabilities, MAX_LINES)]
    chosen = _about_the_drug_asked(analysis.question, chosen, [lines[i] for i in order])
    chosen += _detail_lines(analysis.question, [lines[i] for i in order], chosen)
    chosen += _from_the_answering_section(analysis, [lines[i] for i in order], chosen)
    chosen = sorted(with_items(chosen, lines)[:MAX_LINES + 6], key=_reading_order)
    quoted = format_quotes(chosen)
    passages_used = passages_of(chosen)
    to_take = [m for m in unnamed if _asks_to_take(analysis.question, m)]
    if to_take:   # "can I take paracetamol as well as the ibuprofen?": the lines speak of ibuprofen only
        said = f"{DRUG_NOT_MENTIONED.format(drug=to_take[0].text)} Ask your pharmacist before you take it."
        return ExtractiveAnswer(f"{notice}\n\n{said}\n\n{quoted}", False, passages_used, support,
                                shown=_texts(chosen))
    missing = _missing_detail(analysis.question, chosen)
    if missing:
        text = f"{notice}\n\n{DETAIL_MISSING.format(detail=missing)}\n\n{quoted}"
        return ExtractiveAnswer(text, False, passages_used, support, shown=_texts(chosen))
    return ExtractiveAnswer(f"{notice}\n\n{quoted}", True, passages_used, support, tuple(chosen), _texts(chosen))


def _texts(lines: list[Line]) -> tuple[str, ...]:
    return tuple(line.text for line in lines)


def _closest_lines(notice: str, closest: list[Line], support: float) -> ExtractiveAnswer:
    """Not a clear answer, but not "not in your summary" either: the summary may say it in words the engine
    does not connect to the question, so the patient sees the closest lines, said to be no more than that."""
    closest = sorted(closest, key=_reading_order)
    return ExtractiveAnswer(f"{notice}\n\n{NO_CLEAR_ANSWER}\n\n{format_quotes(closest)}", False,
                            passages_of(closest), support, shown=_texts(closest))


def _drugs_not_named(question: str, lines: list[Line]) -> tuple[list[Mention], list[Mention]]:
    """The drugs the question names (not kinds of drug), and those of them no line of the summary names: "How
    much insulin?" is never answered with another drug's dose."""
    drugs = vocabulary()
    asked = [m for m in drugs.mentions(question) if one_drug(m.generic)]
    if not asked:
        return [], []
    named = {m.generic for line in lines for m in drugs.mentions(line.text)}
    words = " ".join(line.text for line in lines).lower()
    return asked, [m for m in asked if not shares_a_drug(m.generic, named) and m.text.lower() not in words]


def _asks_to_take(question: str, drug: Mention) -> bool:
    """"Can I take paracetamol ...", "should he have the ibuprofen ...": the drug is what the question asks to take."""
    before = question[:drug.start]
    return any(len(before[m.end():].split()) <= 2 for m in ASKS_TO_TAKE.finditer(before))


def _only_in_a_product(question: str, lines: list[Line]):
    """For a question about taking a drug (how much, how often, how long, can I): the drug, and the first line
    naming it, when the summary names it only inside a product of several drugs or as an allergy to one.
    Excedrin's "2 tablets" is no dose of aspirin, and taking both could be too much of it."""
    drugs = vocabulary()
    asked = [m for m in drugs.mentions(question) if one_drug(m.generic)]
    if len(asked) != 1 or not (set(asked_details(question)) & TAKING_DETAILS or ASKS_TO_TAKE.search(question)) \
            or any(_names(line, {asked[0].generic}) for line in lines):
        return None
    inside = [(line, product) for line in lines for product in drugs.mentions(line.text)
              if contains_drug(asked[0].generic, {product.generic})]
    return (asked[0], *inside[0]) if inside else None


def _in_a_product(notice: str, asked, line: Line, product) -> ExtractiveAnswer:
    allergy = ALLERGY.search(line.passage.section + " " + line.text) and not TOLERATED.search(line.text)
    said = (IN_AN_ALLERGY if allergy else ONLY_IN_A_PRODUCT).format(drug=asked.text, product=product.text)
    return ExtractiveAnswer(f"{notice}\n\n{said}\n\n{format_quotes([line])}", False, passages_of([line]),
                            shown=(line.text,))


def _asked_drugs(question: str) -> set[str]:
    return {m.generic for m in vocabulary().mentions(question) if one_substance(m.generic)}


def _names(line: Line, generics: set[str]) -> bool:
    named = {m.generic for m in vocabulary().mentions(line.text)}
    return any(is_drug(generic, named) for generic in generics)


def _about_the_drug_asked(question: str, chosen: list[Line], ranked: list[Line]) -> list[Line]:
    """"What dose of Motrin?" quotes the lines that name Motrin (the best of them if none was chosen),
    not the other drugs' doses."""
    asked = _asked_drugs(question)
    if not asked:
        return chosen
    naming = [line for line in chosen if _about(line, asked, ranked)]
    return naming or [line for line in ranked if _names(line, asked)][:1] or chosen


def _about(line: Line, asked: set[str], every: list[Line]) -> bool:
    """The line names the drug, or follows a line that does with its details ("Dosage: 500 mg" under
    "Acetaminophen") without naming another drug."""
    if _names(line, asked):
        return True
    if vocabulary().mentions(line.text):
        return False
    return any(_follows(line, other) and _names(other, asked) for other in every)


def _detail_lines(question: str, ranked: list[Line], chosen: list[Line]) -> list[Line]:
    """For "how much?" or "how long?", the best-scored line that gives the detail, if it was not chosen. Only
    the drug asked about is held to its own lines: a lay question ("what calmed her down?") seldom shares a word
    with the line that answers it ("given 0.5 mg of Ativan for agitation"). The lines under the drug's own line
    count however they scored ("** Continue through 04/05/2025 then STOP **" under "Apixaban 2.5 mg BID")."""
    best = ranked[:DETAIL_SEARCH]
    asked = _asked_drugs(question)
    if asked:
        naming = [own for own in chosen if _names(own, asked)]
        under_it = [line for line in ranked if line not in best and any(_follows(line, own) for own in naming)
                    and not vocabulary().mentions(line.text)]
        best = [line for line in best if _about(line, asked, ranked)] + under_it   # another drug's dose is no answer
    extra = []
    for detail in asked_details(question):
        if not any(gives(line.text, detail) for line in chosen + extra):
            extra += [line for line in best if gives(line.text, detail)][:1]
    return [line for line in extra if line not in chosen]


def _from_the_answering_section(analysis: QuestionAnalysis, ranked: list[Line], chosen: list[Line]) -> list[Line]:
    """The section that answers the question wholesale ("Discharge Diagnosis" for "what was wrong with me?") is
    quoted even when its few words resemble the question less than the story around it does: its best lines,
    when none of the chosen lines is from it. A question for a detail (a dose, a date) has its own lines
    (_detail_lines), and a section's lines must never make a missing detail look given."""
    if asked_details(analysis.question) or any(line.passage.section in analysis.primary_sections for line in chosen):
        return []
    return [line for line in ranked if line.passage.section in analysis.primary_sections][:SECTION_LINES]


def _follows(line: Line, other: Line) -> bool:
    return other.passage.chunk_id == line.passage.chunk_id and 0 < line.index - other.index <= DETAIL_FOLLOWS


def _missing_detail(question: str, chosen: list[Line]) -> str | None:
    """What the question asks for that none of the lines gives, in words ("a dose"), if anything."""
    if ASKS_A_NAME.search(question):
        kinds = kinds_asked(question)
        if not any(names_one_drug(line.text, kinds) for line in chosen):
            return f"the name of the {kinds[0]}" if len(kinds) == 1 else "the medicine's name"
    for detail in asked_details(question):
        if detail not in CLAIMED_DETAILS:
            continue
        if not any(gives(line.text, detail) for line in chosen):
            return DETAIL_WORDS[detail]
    return None


def _reading_order(line: Line) -> tuple:
    return line.passage.document_id, line.passage.start, line.index


def format_quotes(lines: list[Line]) -> str:
    """Lines grouped under their section and page, in reading order."""
    several_files = len({line.passage.document_id for line in lines}) > 1
    blocks: dict[tuple, list[str]] = {}
    for line in lines:
        p = line.passage
        where = f"{p.section} (page {p.page}" + (f", {p.filename})" if several_files else ")")
        block = blocks.setdefault((p.document_id, p.section, where), [])
        if line.text not in block:
            block.append(line.text)
    return "\n\n".join(f"**{key[2]}**\n" + "\n".join(quoted_line(text) for text in texts)
                       for key, texts in blocks.items())
