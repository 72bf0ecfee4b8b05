"""A caregiver with several family members' summaries: asking about several at once answers each from its own
file, under its name, so one person's medicines never appear in another's answer."""
from __future__ import annotations

from tests.conftest import ask, parse_sse, upload

MUM = (b"Discharge Diagnosis: Heart failure.\n\nDischarge Medications:\n"
       b"1. Furosemide 40 mg by mouth once daily.\n2. Bisoprolol 2.5 mg by mouth once daily.\n\n"
       b"Follow-up: Heart failure nurse in 2 weeks.\n")
DAD = (b"Discharge Diagnosis: Type 2 diabetes with a foot ulcer.\n\nDischarge Medications:\n"
       b"1. Metformin 500 mg by mouth twice daily with meals.\n"
       b"2. Flucloxacillin 500 mg four times daily for 7 days.\n\n"
       b"Follow-up: Podiatry clinic in 1 week.\n")


def part_under(answer: str, filename: str) -> str:
    start = answer.index(f"From {filename}:")
    following = answer.find("From ", start + 5)
    return answer[start:following if following != -1 else None]


def test_two_summaries_asked_together_are_answered_file_by_file(client):
    mum = upload(client, "mum.txt", MUM).get_json()["id"]
    dad = upload(client, "dad.txt", DAD).get_json()["id"]

    body = ask(client, "Which medicines do I take?", document_ids=[mum, dad]).get_json()

    mum_part, dad_part = part_under(body["answer"], "mum.txt"), part_under(body["answer"], "dad.txt")
    assert "Furosemide" in mum_part and "Metformin" not in mum_part
    assert "Metformin" in dad_part and "Furosemide" not in dad_part
    assert [g["filename"] for g in body["groups"]] == ["mum.txt", "dad.txt"]
    assert {s["filename"] for s in body["sources"]} == {"mum.txt", "dad.txt"}


def test_one_summary_chosen_gets_no_file_headings(client):
    mum = upload(client, "mum.txt", MUM).get_json()["id"]
    upload(client, "dad.txt", DAD)

    body = ask(client, "Which medicines do I take?", document_ids=[mum]).get_json()

    assert "From mum.txt" not in body["answer"] and "groups" not in body
    assert "Furosemide" in body["answer"] and "Metformin" not in body["answer"]


def test_the_stream_names_each_file_before_its_part_and_the_emergency_comes_once_first(client):
    mum = upload(client, "mum.txt", MUM).get_json()["id"]
    dad = upload(client, "dad.txt", DAD).get_json()["id"]

    response = client.post("/api/query",
                           json={"question": "I have crushing chest pain right now. Which pills do I take?",
                                 "document_ids": [mum, dad], "stream": True})
    events = parse_sse(response.get_data(as_text=True))

    kinds = [name for name, _ in events]
    assert kinds[0] == "emergency" and kinds[-1] == "done"
    assert [data["filename"] for name, data in events if name == "group"] == ["mum.txt", "dad.txt"]
    text = "".join(data["text"] for name, data in events if name == "token")
    notice = events[0][1]["notice"]
    assert text.startswith(notice) and text.count(notice) == 1
    assert text.index("From mum.txt:") < text.index("From dad.txt:")
    assert events[-1][1]["answer"] == text


def test_one_summary_without_an_answer_says_so_under_its_name_only(client):
    mum = upload(client, "mum.txt", MUM).get_json()["id"]
    dad = upload(client, "dad.txt", DAD + b"\nActivity: No driving for 6 weeks.\n").get_json()["id"]

    body = ask(client, "Can I drive a car?", document_ids=[mum, dad]).get_json()

    found = {g["filename"]: g["found"] for g in body["groups"]}
    assert found == {"mum.txt": False, "dad.txt": True}
    assert "No driving for 6 weeks" in part_under(body["answer"], "dad.txt")
    assert "does not mention" in part_under(body["answer"], "mum.txt")
    assert body["found"] is True


def test_a_summary_deleted_while_the_others_are_answered_is_left_out_not_an_error():
    from mediassist.answering.events import grouped_by_document
    from errors import DocumentNotFound

    class Record:
        def __init__(self, id, filename):
            self.id, self.filename = id, filename

    def answer_one(ids):
        if ids == ["gone"]:
            raise DocumentNotFound("No document with id 'gone' among your documents.")
        yield {"type": "sources", "sources": [{"document_id": ids[0]}]}
        yield {"type": "done", "answer": "Furosemide 40 mg", "found": True, "sources": [], "backend": "extractive",
               "model": None}

    events = list(grouped_by_document([Record("mum", "mum.txt"), Record("gone", "dad.txt")],
                                      lambda ids: (yield from answer_one(ids))))
    done = events[-1]
    assert done["type"] == "done" and [g["filename"] for g in done["groups"]] == ["mum.txt"]
    assert "dad.txt" not in done["answer"]
