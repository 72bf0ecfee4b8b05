"""The flask commands call the same code as the API."""
from tests.test_api import SUMMARY


def test_ingest_ask_and_list_from_the_command_line(runner, tmp_path):
    folder = tmp_path / "summaries"
    folder.mkdir()
    (folder / "pneumonia.txt").write_text(SUMMARY)
    (folder / "empty.txt").write_bytes(b"")
    result = runner.invoke(args=["ingest", str(folder)])
    assert "1 indexed, 0 already indexed, 1 failed" in result.output
    assert "failed: " in result.output and "empty.txt: The file is empty" in result.output
    assert result.exit_code == 1
    listed = runner.invoke(args=["documents"]).output
    assert "pneumonia.txt" in listed
    answer = runner.invoke(args=["ask", "When is my follow-up?"]).output
    assert "Dr. Rivera" in answer and "Follow-up" in answer
    assert "**" not in answer and "Sources:\n  pneumonia.txt, " in answer   # plain text for a terminal


def test_bold_and_heading_marks_are_removed_for_the_terminal_and_nothing_else():
    from app import terminal_line
    assert terminal_line("**Discharge Medications**") == "Discharge Medications"
    assert terminal_line("## Follow-up") == "Follow-up"
    assert terminal_line("- Take 2 * 500 mg") == "- Take 2 * 500 mg"


def test_cli_documents_belong_to_the_api_key_given(app, runner, tmp_path):
    path = tmp_path / "pneumonia.txt"
    path.write_text(SUMMARY)
    runner.invoke(args=["ingest", "--api-key", "k1", str(path)])
    assert "pneumonia.txt" not in runner.invoke(args=["documents"]).output
    assert "pneumonia.txt" in runner.invoke(args=["documents", "--api-key", "k1"]).output


def test_bulk_ingest_resumes_and_never_indexes_a_file_twice(runner, rag, tmp_path):
    folder = tmp_path / "summaries"
    (folder / "ward-2").mkdir(parents=True)
    for n in range(20):   # more than one embedding group
        (folder / f"summary-{n:02}.txt").write_text(SUMMARY.replace("Dr. Rivera", f"Dr. Rivera-{n}"))
    (folder / "ward-2" / "copy-of-summary-00.txt").write_text(SUMMARY.replace("Dr. Rivera", "Dr. Rivera-0"))
    first = runner.invoke(args=["ingest", str(folder / "summary-00.txt"), str(folder / "summary-01.txt")])
    assert "2 indexed, 0 already indexed, 0 failed" in first.output and first.exit_code == 0

    rest = runner.invoke(args=["ingest", str(folder)])

    assert "18 indexed, 3 already indexed, 0 failed" in rest.output and rest.exit_code == 0
    names = sorted(r.filename for r in rag.list_documents("cli"))
    assert names == [f"summary-{n:02}.txt" for n in range(20)]
    assert len(list(rag.settings.uploads_dir.glob("*.txt"))) == 20
    assert "Dr. Rivera-13" in runner.invoke(args=["ask", "When is my follow-up with Dr. Rivera-13?"]).output
