"""ROUGE-L and token F1 against a reference answer (training/metrics.py)."""
import pytest

from training.metrics import longest_common_subsequence, rouge_l, token_f1, tokens


def test_case_and_punctuation_do_not_count_but_doses_do():
    assert tokens("Aspirin 81 mg, daily.") == ["aspirin", "81", "mg", "daily"]
    assert tokens("Take 0.5 mg at 8:00; don't skip") == ["take", "0.5", "mg", "at", "8", "00", "don't", "skip"]
    assert token_f1("aspirin 81 mg daily", "Aspirin 81 mg, daily.") == 1.0
    assert token_f1("aspirin 325 mg daily", "aspirin 81 mg daily") == pytest.approx(0.75)


def test_token_f1_is_the_harmonic_mean_of_precision_and_recall():
    # answer: 6 words, 3 shared with a 4-word reference -> P 1/2, R 3/4, F1 0.6
    assert token_f1("see dr patel next week please", "see dr patel tomorrow") == pytest.approx(0.6)
    assert token_f1("", "anything") == 0.0 and token_f1("", "") == 1.0


def test_rouge_l_rewards_the_same_order():
    reference = "no driving for two weeks"
    assert rouge_l("no driving for two weeks", reference) == 1.0
    in_order = rouge_l("your summary says no driving for two weeks", reference)
    shuffled = rouge_l("weeks two for driving no", reference)
    assert in_order == pytest.approx(2 * (5 / 8) * 1 / (5 / 8 + 1))
    assert shuffled < in_order and token_f1("weeks two for driving no", reference) == 1.0


def test_longest_common_subsequence_allows_gaps():
    assert longest_common_subsequence(list("abcbdab"), list("bdcaba")) == 4
    assert longest_common_subsequence([], ["a"]) == 0
