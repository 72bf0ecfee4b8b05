"""mediassist/index/question_kinds.py: a question whose words name no topic is read by the embedding model as
the kind of question it is, and retrieval then looks in that kind's section."""
from __future__ import annotations

import pytest

from mediassist.index.embedder import Embedder, default_embedding_model
from mediassist.index.question_kinds import QuestionKinds
from patient_language import KIND_SECTIONS, analyse


@pytest.fixture(scope="module")
def embed():
    return Embedder(default_embedding_model(), "auto").embed


@pytest.fixture(scope="module")
def kinds():
    return QuestionKinds.load()


def test_the_probe_was_fitted_on_the_packaged_model(kinds):
    assert kinds.fits(default_embedding_model()) and not kinds.fits("some/fine-tuned/model")
    assert {"medications", "diagnosis", "follow_up", "warning_signs"} <= set(kinds.kinds)
    assert 0.0 < kinds.threshold < 1.0


@pytest.mark.parametrize(("question", "kind"), [
    ("what did the doctors say she has?", "diagnosis"),
    ("which of his tablets has been changed?", "medications"),
])
def test_a_question_no_trigger_names_is_read_as_its_kind(embed, kinds, question, kind):
    assert kinds.kind_of(embed([question])[0]) == kind


def test_a_kind_only_counts_when_no_trigger_names_the_topic():
    assert analyse("what did they find was wrong with her?", "diagnosis").primary_sections == {"Discharge Diagnosis"}
    driving = analyse("can I drive next week?", "diagnosis")   # a trigger's topic wins over the probe's
    assert "Discharge Diagnosis" not in driving.primary_sections and driving.specific_stems


def test_retrieval_gives_an_untriggered_question_its_kind(rag):
    assert not analyse("what did the doctors say she has?").topic_found
    analysis, _ = rag.retriever.analysis("what did the doctors say she has?")
    assert analysis.primary_sections == {"Discharge Diagnosis"}


def test_every_kind_the_probe_gives_has_a_topic_except_other(kinds):
    assert set(kinds.kinds) - set(KIND_SECTIONS) == {"other"}
    for kind in KIND_SECTIONS:
        assert analyse("and what about that?", kind).primary_sections == set(KIND_SECTIONS[kind]), kind
    assert not analyse("and what about that?", "other").topic_found
