"""rag_system without HTTP: persistence, reconciliation after a crash, retrieval scope."""
from __future__ import annotations

import time

import numpy as np
import pytest

from document_processor import display_name, load_document
from mediassist.index import retrieval
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


def test_the_stored_document_keeps_the_sections_found_at_upload(rag):
    record = rag.ingest(SUMMARY.encode(), "p.txt", "owner-a")
    read = load_document(SUMMARY.encode(), "p.txt")
    stored = rag.stored_document("owner-a", record.id)
    assert stored.text == read.text and stored.sections == read.sections and len(read.sections) >= 3
    assert len(rag.get_document("owner-a", record.id).section_spans) == len(read.sections)
    # a record stored before sections were kept: they are found again from the text
    rag.documents.update(ids=[record.id], metadatas=[{**record.metadata(), "section_spans": "[]"}])
    assert rag.get_document("owner-a", record.id).section_spans == ()
    assert rag.stored_document("owner-a", record.id).sections == read.sections


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


@pytest.mark.parametrize("exact_search_limit", [3000, 0], ids=["exact search", "vector index search"])
def test_a_long_summary_is_cut_to_the_budget_keeping_what_answers(rag, settings, monkeypatch, exact_search_limit):
    monkeypatch.setattr(retrieval, "EXACT_SEARCH_LIMIT", exact_search_limit)
    rag.ingest(SUMMARY.encode(), "someone-elses.txt", "owner-b")
    course = " ".join(f"On hospital day {n} the patient walked in the hall and vital signs were stable."
                      for n in range(1, 160))
    long_summary = (f"Hospital Course:\n{course}\n\nDischarge Medications:\n1. Apixaban 5 mg by mouth twice daily.\n"
                    f"2. Metoprolol tartrate 25 mg by mouth twice daily.\n\nFollow-up:\nDr. Ames in 2 weeks.\n")
    assert len(long_summary) > settings.context_tokens * 4
    rag.ingest(long_summary.encode(), "long.txt", "owner-a")
    passages, _ = rag.retrieve("Which pills do I keep taking?", "owner-a")
    assert sum(len(p.text) for p in passages) <= settings.context_tokens * 4
    assert any("Apixaban 5 mg" in p.text for p in passages)
    assert {p.filename for p in passages} == {"long.txt"}


def test_a_short_summary_is_sent_whole(rag):
    record = rag.ingest(SUMMARY.encode(), "p.txt", "owner-a")
    passages, _ = rag.retrieve("Can I drive?", "owner-a")
    assert len(passages) == record.chunks


def test_bfloat16_embeddings_point_the_same_way_as_float32():
    from mediassist.index.embedder import Embedder, default_embedding_model
    texts = ["Metoprolol tartrate 25 mg by mouth twice daily.", "Follow up with Dr. Ames in two weeks.",
             "Call 911 for chest pain or trouble breathing."]
    full = Embedder(default_embedding_model(), "float32").embed(texts)
    half = Embedder(default_embedding_model(), "bfloat16").embed(texts)
    assert full.dtype == half.dtype == np.float32
    assert np.allclose(np.linalg.norm(half, axis=1), 1, atol=1e-5)
    assert (full * half).sum(axis=1).min() > 0.99
    assert np.array_equal((full @ full.T).argsort(), (half @ half.T).argsort())


def test_with_a_shared_server_a_fresh_upload_of_another_worker_is_not_an_orphan(rag, settings):
    """reconcile() at a worker's start must not delete what another worker is committing right now."""
    doc = "e" * 32
    rag.chunks.add(ids=[f"{doc}:0"], embeddings=[np.ones(384) / np.sqrt(384)], documents=["x"],
                   metadatas=[{"owner": "o", "doc_id": doc, "index": 0, "section": "Diet", "page": 1, "start": 0,
                               "end": 1, "created": int(time.time())}])
    (settings.uploads_dir / f"{doc}.txt").write_bytes(b"being committed")

    rag.reconcile(grace_s=3600)
    assert rag.chunks.get(where={"doc_id": doc})["ids"] and (settings.uploads_dir / f"{doc}.txt").exists()

    rag.reconcile(grace_s=0)
    assert not rag.chunks.get(where={"doc_id": doc})["ids"] and not (settings.uploads_dir / f"{doc}.txt").exists()


def test_workers_starting_together_all_get_the_same_complete_secret_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from app import stored_secret_key
    for round_ in range(20):
        folder = tmp_path / str(round_)
        with ThreadPoolExecutor(8) as pool:
            keys = set(pool.map(lambda _, folder=folder: stored_secret_key(folder), range(8)))
        assert len(keys) == 1 and len(keys.pop()) == 64
        assert [p.name for p in folder.iterdir()] == ["secret_key"]
