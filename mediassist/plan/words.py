"""The closed word lists of the listed plan, read once from data/plan_words.toml.

Words around drug names, status words, routes written only in capitals, and the names of the sections that
decide where the plan is read. The patterns (doses, routes, frequencies, categories) are regexes in the code.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

_WORDS = tomllib.loads((Path(__file__).parent / "data" / "plan_words.toml").read_text(encoding="utf-8"))
_NAMES = _WORDS["drug_names"]
_SECTIONS = _WORDS["sections"]

# Words that may precede a drug name in a sentence and are not part of it.
LEADING_WORDS = frozenset(_NAMES["leading"])
TRAILING_WORDS = frozenset(_NAMES["trailing"])
# A part of a run-on sentence starting with one of these continues the drug before it.
NOT_A_DRUG_START = LEADING_WORDS | frozenset(_NAMES["not_a_drug_start"])
NON_DRUG_WORDS = frozenset(_NAMES["non_drug"])
NAME_ONLY_STOP = NON_DRUG_WORDS | frozenset(_NAMES["name_only_stop"])
LAB_ANALYTES = frozenset(_NAMES["lab_analytes"])
SUPPLIES = frozenset(_NAMES["supplies"])

CASE_SENSITIVE_ROUTES = frozenset(_WORDS["routes"]["case_sensitive"])
STATUS_WORDS: dict[str, str] = dict(_WORDS["status_words"])

HISTORY_SECTIONS = frozenset(_SECTIONS["history"])
AFTER_COURSE_SECTIONS = frozenset(_SECTIONS["after_course"])
# Sections that tell the story rather than the plan, where a "come back if ..." sentence may still hide.
NARRATIVE_SECTIONS = frozenset(_SECTIONS["narrative"])
DEDICATED_SECTIONS: dict[str, str] = dict(_SECTIONS["dedicated"])
