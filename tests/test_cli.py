"""The flask commands call the same code as the API."""
from tests.test_api import SUMMARY


def test_ingest_ask_and_list_from_the_command_line(runner, tmp_path):
    folder = tmp_path / "summaries"
    folder.mkdir()
    (folder / "pneumonia.txt").write_text(SUMMARY)
    (folder / "empty.txt").write_bytes(b"")
    result = runner.invoke(args=["ingest", str(folder)])
    assert "1 indexed, 1 failed" in result.output and "empty.txt: skipped" in result.output
    listed = runner.invoke(args=["documents"]).output
    assert "pneumonia.txt" in listed
    answer = runner.invoke(args=["ask", "When is my follow-up?"]).output
    assert "Dr. Rivera" in answer and "Follow-up" in answer


def test_cli_documents_belong_to_the_api_key_given(app, runner, tmp_path):
    path = tmp_path / "pneumonia.txt"
    path.write_text(SUMMARY)
    runner.invoke(args=["ingest", "--api-key", "k1", str(path)])
    assert "pneumonia.txt" not in runner.invoke(args=["documents"]).output
    assert "pneumonia.txt" in runner.invoke(args=["documents", "--api-key", "k1"]).output
