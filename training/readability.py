"""How easy the app's own sentences are to read: US grade level (Flesch-Kincaid, textstat) of every message
the app writes to a patient itself (notices, "not in your summary", the glossary's plain meanings, the
timetable note), as opposed to the summary's lines, which are quoted as written.

    python training/readability.py            # prints each message's grade and the mean
"""
from __future__ import annotations

import statistics

import textstat


from mediassist.answering.composer import DETAIL_MISSING, DRUG_NOT_MENTIONED, IN_AN_ALLERGY, NO_CLEAR_ANSWER, \
    OFFLINE_NOTICE, ONLY_IN_A_PRODUCT  # noqa: E402
from mediassist.emergency.numbers import emergency_notice  # noqa: E402
from mediassist.llm.hybrid import ALSO_SAYS, PART_LEFT_OUT, QUOTED_AFTER_REFUSAL, QUOTED_INSTEAD  # noqa: E402
from mediassist.plain.define import GENERAL_MEANING, meaning_answer  # noqa: E402
from mediassist.plain.glossary import glossary  # noqa: E402
from mediassist.plain.schedule import CHECK_NOTE  # noqa: E402
from prompting import NOT_IN_SUMMARY  # noqa: E402

TARGET_GRADE = 8.0


def app_messages() -> dict[str, str]:
    """Every message the app itself writes to a patient, by name."""
    bd = glossary().lookup("BD")
    return {
        "not in summary": NOT_IN_SUMMARY, "no clear answer": NO_CLEAR_ANSWER, "offline": OFFLINE_NOTICE,
        "part left out": PART_LEFT_OUT,
        "quoted instead": QUOTED_INSTEAD, "also says": ALSO_SAYS, "quoted after refusal": QUOTED_AFTER_REFUSAL,
        "general meaning": GENERAL_MEANING, "timetable note": CHECK_NOTE,
        "meaning answer": meaning_answer("BD", bd, []).replace("**", ""),
        "emergency": emergency_notice(False, "911", "988"), "self-harm": emergency_notice(True, "911", "988"),
        "detail missing": DETAIL_MISSING.format(detail="a dose"),
        "drug not mentioned": DRUG_NOT_MENTIONED.format(drug="insulin"),
        "only in a product": ONLY_IN_A_PRODUCT.format(drug="aspirin", product="Excedrin"),
        "in an allergy": IN_AN_ALLERGY.format(drug="amoxicillin", product="Augmentin"),
    }


def grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(text)


def glossary_grade() -> float:
    """The plain meanings read as one text (each is a phrase; one by one, a two-word phrase has no grade)."""
    return grade(". ".join(entry.plain for entry in glossary().entries) + ".")


def main() -> None:
    grades = {name: grade(text) for name, text in app_messages().items()}
    for name, value in sorted(grades.items(), key=lambda item: -item[1]):
        print(f"{value:5.1f}  {name}")
    print(f"mean grade of the app's messages: {statistics.mean(grades.values()):.1f} (target <= {TARGET_GRADE:g}); "
          f"worst {max(grades.values()):.1f}")
    print(f"glossary plain meanings ({len(glossary().entries)} entries), read together: grade {glossary_grade():.1f}")


if __name__ == "__main__":
    main()
