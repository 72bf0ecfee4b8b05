"""mediassist.llm: a model's answer is checked sentence by sentence against the summary (figures with their
units, medicines, a line that says it), and the prompt is built so that every question about one summary
shares the longest possible prefix."""
from __future__ import annotations

import pytest

from mediassist.answering.composer import NO_CLEAR_ANSWER, ExtractiveAnswer
from mediassist.answering.lines import lines_of
from mediassist.answering.scoring import Calibration, LineScorer
from mediassist.index.embedder import Embedder, default_embedding_model
from mediassist.llm.excerpts import choose_excerpts
from mediassist.llm.figures import figures, unconfirmed
from mediassist.llm.hybrid import SentenceGate, grounded_events
from mediassist.llm.support import SupportChecker, complete_sentences, sentences
from mediassist.llm.tokens import ESTIMATE_MARGIN, TokenCounter
from prompting import Passage, format_excerpts

SUMMARY = ("Discharge Medications:\n1. Metformin 500 mg by mouth twice daily.\n2. Cephalexin 500 mg q.i.d. x 7 days.\n"
           "Activity:\nNo driving for 1 week. No lifting over 10 lbs for 6 weeks.\n"
           "Follow-up:\nSee Dr. Shah in clinic on March 13 at 10:30.")


@pytest.fixture(scope="module")
def checker():
    return SupportChecker(LineScorer(Embedder(default_embedding_model(), "auto").embed, Calibration.load()))


def summary_lines():
    return lines_of(Passage("doc:0", "doc", "s.txt", "Discharge Medications", 1, 0, len(SUMMARY), SUMMARY, 0.5))


def test_a_figure_is_its_value_and_its_unit():
    assert figures("500mg, 500 milligrams, three weeks, 1-2 tablets") == {
        ("500", "mg"), ("3", "week"), ("1", "tablet"), ("2", "tablet")}
    assert unconfirmed("Take metformin 500 mcg.", SUMMARY) == ["500 mcg"]
    assert unconfirmed("No driving for 3 weeks.", SUMMARY) == ["3 week"]
    assert unconfirmed("No driving for one week.", SUMMARY) == []


def test_list_numbering_and_written_numbers_are_not_invented_figures():
    assert unconfirmed("1. Metformin 500 mg twice daily.\n2. See Dr. Shah on March 13 at 10:30.", SUMMARY) == []
    assert unconfirmed("Your appointment is on March 14.", SUMMARY) == ["14"]


def test_sentences_do_not_break_at_titles_abbreviations_or_list_numbers():
    text = "See Dr. Shah on March 13. 1. Cephalexin q.i.d. For 7 days.\n2. Metformin"
    assert sentences(text) == ["See Dr. Shah on March 13. ", "1. Cephalexin q.i.d. For 7 days.\n", "2. Metformin"]
    assert complete_sentences("Take it daily. See Dr. Sh") == (["Take it daily. "], "See Dr. Sh")


@pytest.mark.parametrize("sentence, kind", [
    ("Take metformin 500 mg by mouth twice daily.", "supported"),
    ("You should not drive for 1 week.", "supported"),
    ("Take metformin 500 mcg twice daily.", "unsupported"),            # the unit is not the summary's
    ("Take metformin 500 mg for 6 weeks.", "unsupported"),             # a duration borrowed from another line
    ("Take lisinopril 10 mg every morning.", "unsupported"),           # a medicine the summary does not name
    ("Yes, you can drink two glasses of red wine with dinner.", "unsupported"),
    ("Your summary does not mention alcohol.", "refusal"),
    ("Here is what your summary says:", "framing"),
])
def test_each_sentence_is_judged_against_the_summary(checker, sentence, kind):
    assert checker.judge(sentence, summary_lines()).kind == kind


def passages(count: int, section_of=lambda i: "Hospital Course") -> list[Passage]:
    text = "word " * 20
    return [Passage(f"d:{i}", "d", "s.txt", section_of(i), 1, i * 100, i * 100 + 99, f"{i} {text}", 0.0)
            for i in range(count)]


def words(text: str) -> int:
    return len(text.split())


def test_a_summary_that_fits_goes_whole_in_document_order():
    every = passages(5)
    chosen = choose_excerpts(list(reversed(every)), every, budget=10_000, count=words)
    assert [p.chunk_id for p in chosen] == [p.chunk_id for p in every]


def test_a_long_summary_keeps_one_stable_prefix_for_every_question():
    every = passages(40, lambda i: "Discharge Medications" if i % 10 == 0 else "Hospital Course")
    budget = 8 * words(format_excerpts(every[:1]))
    first = choose_excerpts([every[33], every[7]], every, budget, words)
    second = choose_excerpts([every[21], every[5]], every, budget, words)
    assert sum(words(format_excerpts([p])) for p in first) <= budget
    assert first[0].section == "Discharge Medications"          # the sections questions are answered from lead
    stable = [p.chunk_id for p in first if p.chunk_id in {q.chunk_id for q in second}]
    assert [p.chunk_id for p in first[:len(stable)]] == [p.chunk_id for p in second[:len(stable)]]
    assert len(stable) >= len(first) - 2
    assert "d:33" in {p.chunk_id for p in first} and "d:21" in {p.chunk_id for p in second}


def test_tokens_are_counted_by_the_server_when_it_can_else_estimated_with_a_margin():
    calls = []
    exact = TokenCounter(lambda text: calls.append(text) or 7, lambda text: 1000)
    assert exact.count("abc") == 7 and exact.count("abc") == 7 and calls == ["abc"]
    estimated = TokenCounter(lambda text: None, lambda text: 100)
    assert estimated.count("abc") == int(100 * ESTIMATE_MARGIN) + 1


def test_a_model_that_refuses_beside_an_uncertain_engine_leaves_the_closest_lines_not_a_flat_no(checker):
    passage = Passage("doc:0", "doc", "s.txt", "Activity", 1, 0, len(SUMMARY), SUMMARY, 0.5)
    closest = ExtractiveAnswer(f"notice\n\n{NO_CLEAR_ANSWER}\n\n**Activity (page 1)**\nNo driving for 1 week.",
                               False, [passage])
    refusal = ["Your discharge summary does not mention this."]
    done = list(grounded_events(refusal, SentenceGate(checker, summary_lines()), closest, [passage], "ollama",
                                "mediassist"))[-1]
    assert not done["found"] and NO_CLEAR_ANSWER in done["answer"] and "No driving for 1 week." in done["answer"]
    assert done["sources"] and "notice" not in done["answer"]
    silent = ExtractiveAnswer("notice\n\nYour discharge summary does not mention this.", False, [])
    done = list(grounded_events(refusal, SentenceGate(checker, summary_lines()), silent, [passage], "ollama",
                                "mediassist"))[-1]
    assert not done["found"] and "does not mention this" in done["answer"] and not done["sources"]


def test_the_final_answer_is_exactly_the_text_that_was_streamed(checker):
    passage = Passage("doc:0", "doc", "s.txt", "Activity", 1, 0, len(SUMMARY), SUMMARY, 0.5)
    extractive = ExtractiveAnswer("No driving for 1 week.", True, [passage])
    tokens = ["No driving for 1 week.\n ", "\nTake warfarin 10 mg at night.\n", " "]   # the second is invented
    events = list(grounded_events(tokens, SentenceGate(checker, summary_lines()), extractive, [passage], "ollama",
                                  "mediassist"))
    streamed = "".join(event["text"] for event in events if event["type"] == "token")
    done = events[-1]
    assert done["checked"]["left_out"] == 1 and "warfarin" not in done["answer"]
    assert streamed.strip() == done["answer"]
