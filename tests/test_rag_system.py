"""rag_system without HTTP: persistence, reconciliation after a crash, retrieval scope."""
from __future__ import annotations

import numpy as np

from document_processor import display_name
from rag_system import RagSystem
from tests.test_api import SUMMARY


def test_startup_removes_what_an_interrupted_upload_left_behind(rag, settings):
    kept = rag.ingest(SUMMARY.encode(), "kept.txt", "owner-a")
    orphan = "f" * 32
    # What a crash between writing the chunks and writing the document record leaves:
    rag.chunks.add(ids=[f"{orphan}:0"], embeddings=[np.ones(384) / np.sqrt(384)], documents=["x"],
                   metadatas=[{"owner": "owner-a", "doc_id": orphan, "index": 0, "section": "Diet",
                               "page": 1, "start": 0, "end": 1}])
    (settings.uploads_dir / f"{orphan}.txt").write_bytes(b"half")
    (settings.uploads_dir / f"{orphan}.pdf.part").write_bytes(b"half")
    (settings.uploads_dir / ".gitkeep").write_bytes(b"")

    restarted = RagSystem.from_settings(settings)

    assert restarted.chunks.get(where={"doc_id": orphan})["ids"] == []
    assert sorted(p.name for p in settings.uploads_dir.iterdir()) == [".gitkeep", f"{kept.id}.txt"]
    assert [r.id for r in restarted.list_documents("owner-a")] == [kept.id]
    assert len(restarted.chunks.get(where={"doc_id": kept.id})["ids"]) == kept.chunks


def test_retrieval_never_returns_another_owners_chunks(rag):
    rag.ingest(SUMMARY.encode(), "a.txt", "owner-a")
    rag.ingest(b"Discharge Medications:\n1. Warfarin 5 mg daily.\n", "b.txt", "owner-b")
    passages, _ = rag.retrieve("What medicines do I take?", "owner-b")
    assert passages and all(p.filename == "b.txt" for p in passages)
    assert rag.retrieve("What medicines do I take?", "nobody")[0] == []


def test_chunks_carry_section_page_and_offsets_into_the_stored_text(rag):
    record = rag.ingest(SUMMARY.encode(), "p.txt", "owner-a")
    stored = rag.documents.get(ids=[record.id], include=["documents"])["documents"][0]
    chunks = rag.chunks.get(where={"doc_id": record.id}, include=["documents", "metadatas"])
    for text, meta in zip(chunks["documents"], chunks["metadatas"]):
        assert stored[meta["start"]:meta["end"]] == text
        assert meta["page"] == 1 and meta["section"]


def test_display_names_lose_paths_and_control_characters():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\me\\summary.pdf") == "summary.pdf"
    assert display_name("a\x00b\nc.txt") == "abc.txt"
    assert display_name("") == "document"


def test_a_long_summary_is_cut_to_the_budget_keeping_what_answers(rag, settings):
    course = " ".join(f"On hospital day {n} the patient walked in the hall and vital signs were stable."
                      for n in range(1, 160))
    long_summary = (f"Hospital Course:\n{course}\n\nDischarge Medications:\n1. Apixaban 5 mg by mouth twice daily.\n"
                    f"2. Metoprolol tartrate 25 mg by mouth twice daily.\n\nFollow-up:\nDr. Ames in 2 weeks.\n")
    assert len(long_summary) > settings.context_tokens * 4
    rag.ingest(long_summary.encode(), "long.txt", "owner-a")
    passages, _ = rag.retrieve("Which pills do I keep taking?", "owner-a")
    assert sum(len(p.text) for p in passages) <= settings.context_tokens * 4
    assert any("Apixaban 5 mg" in p.text for p in passages)


def test_a_short_summary_is_sent_whole(rag):
    record = rag.ingest(SUMMARY.encode(), "p.txt", "owner-a")
    passages, _ = rag.retrieve("Can I drive?", "owner-a")
    assert len(passages) == record.chunks
