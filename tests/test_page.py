"""Real-browser tests of the web page (templates/index.html, static/app.js, static/style.css).

They start the real app (extractive backend, real ChromaDB and embedding model) on a free
local port and drive Debian's Chromium through Playwright. Some tests replace single API
answers with `page.route` to check how the page shows situations that are hard to produce
on demand (an answer the summary does not contain, an error in the middle of a stream).
"""
from __future__ import annotations

import json
import os
import re
import threading
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# An invented patient; every detail below is made up for this test.
SUMMARY = """\
RIVERBEND GENERAL HOSPITAL - DISCHARGE SUMMARY

Patient: Harriet Quillfeather
Date of admission: 3 March 2031
Date of discharge: 7 March 2031
Attending physician: Dr. Osric Pemberton

Diagnosis:
Atrial fibrillation with rapid ventricular response, now rate controlled.

Hospital Course:
Ms. Quillfeather came in with a racing heartbeat and shortness of breath. Her heart rate
was brought under control with medicine and she improved steadily. She walked the ward
without difficulty before going home.

Discharge Medications:
- Metoprolol succinate 25 mg by mouth once daily, in the morning.
- Apixaban 5 mg by mouth twice daily.
- Stop taking ibuprofen.

Follow-up:
See Dr. Pemberton in the cardiology clinic on 21 March 2031 at 10:30 AM.
Blood tests one week after discharge.

Diet:
Heart-healthy diet with less salt. Limit alcohol.

Activity:
No driving for one week. Walk a little more each day.

When to seek help:
Go to the emergency room for chest pain, fainting, or any unusual bleeding.
"""

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)

XSS_NAME = "<img src=x onerror=alert(1)>.txt"

ANSWER_TIMEOUT_MS = 120_000
UPLOAD_TIMEOUT_MS = 120_000


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    from werkzeug.serving import make_server

    from app import create_app
    from settings import Settings

    data_dir = tmp_path_factory.mktemp("page-data")
    app = create_app(Settings(data_dir=data_dir, llm_backend="extractive"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="page-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class PageWatch:
    """What the page did that it should not: dialogs, script errors, CSP violations, foreign requests."""

    def __init__(self, page, base_url):
        self.origin = urlparse(base_url).netloc
        self.dialogs: list[str] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[str] = []
        self.foreign_requests: list[str] = []
        self.accept_next_confirm = False
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("console", self._on_console)
        page.on("request", self._on_request)

    def _on_dialog(self, dialog):
        if dialog.type == "confirm" and self.accept_next_confirm:
            self.accept_next_confirm = False
            dialog.accept()
            return
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_console(self, msg):
        if msg.type == "error" and "Content Security Policy" in msg.text:
            self.csp_violations.append(msg.text)

    def _on_request(self, request):
        url = urlparse(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if url.netloc != self.origin:
            self.foreign_requests.append(request.url)

    def assert_clean(self):
        assert self.page_errors == [], f"script errors: {self.page_errors}"
        assert self.csp_violations == [], f"CSP violations: {self.csp_violations}"
        assert self.foreign_requests == [], f"page reached outside the app: {self.foreign_requests}"
        assert self.dialogs == [], f"unexpected dialogs: {self.dialogs}"


@pytest.fixture()
def page(browser, base_url):
    # A new context per test: its own cookie jar, so its own session and document list.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.watch = PageWatch(page, base_url)
    try:
        yield page
    finally:
        # Leave nothing behind for the next test, whether or not the app keeps
        # documents per session.
        try:
            listed = context.request.get("/api/documents").json().get("documents", [])
            for doc in listed:
                context.request.delete(f"/api/documents/{doc['id']}")
        except Exception:
            pass
        context.close()


@pytest.fixture()
def summary_file(tmp_path):
    path = tmp_path / "discharge_summary.txt"
    path.write_text(SUMMARY, encoding="utf-8")
    return path


def open_page(page):
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def upload(page, files, expect_success=True):
    page.set_input_files("#file-input", files)
    status = page.locator("#upload-status")
    if expect_success:
        expect(status).to_have_attribute("data-state", "success", timeout=UPLOAD_TIMEOUT_MS)
    else:
        expect(status).to_have_attribute("data-state", "error", timeout=UPLOAD_TIMEOUT_MS)
    return status


def sse(event, data):
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


FAKE_DOC = {"id": "doc-fake-1", "filename": "summary.txt", "uploaded_at": "2031-03-07T12:00:00Z",
            "pages": 1, "chunks": 4}


def fake_documents(page, docs=(FAKE_DOC,)):
    def handle(route):
        if route.request.method == "GET":
            route.fulfill(status=200, content_type="application/json",
                          body=json.dumps({"documents": list(docs)}))
        else:
            route.fallback()
    page.route("**/api/documents", handle)


# --------------------------------------------------------------------------- tests against the real app

def test_upload_ask_sources_and_delete(page, summary_file, tmp_path):
    open_page(page)

    # The test app runs the extractive backend, so the page must say so.
    banner = page.locator("#mode-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("offline")

    expect(page.locator("#disclaimer")).to_contain_text("does not replace your care team")

    upload(page, summary_file)
    item = page.locator("#documents li[data-doc-id]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("discharge_summary.txt")
    expect(item.locator("input[type=checkbox]")).to_be_checked()

    chips = page.locator("#sections li")
    expect(chips.filter(has_text="Discharge Medications")).to_have_count(1)

    # Enter in the question box asks.
    page.fill("#question", "what pills do I take?")
    page.press("#question", "Enter")
    answer = page.locator("#answer")
    expect(answer).to_have_attribute("data-state", "done", timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator("#ask")).to_be_enabled()
    expect(answer).to_contain_text("Metoprolol")
    expect(answer).to_contain_text("25 mg")
    expect(page.locator("#answer-error")).to_be_hidden()

    sources = page.locator("#sources li.source")
    assert sources.count() >= 1
    expect(sources.filter(has_text="Discharge Medications").first).to_be_visible()
    expect(sources.first.locator("blockquote")).not_to_be_empty()
    expect(sources.first).to_contain_text("discharge_summary.txt")

    page.screenshot(path=str(tmp_path / "page-desktop.png"), full_page=True)

    # Phone width: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than a phone screen"
    page.screenshot(path=str(tmp_path / "page-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Print hides the controls but keeps the answer and its sources.
    page.emulate_media(media="print")
    expect(page.locator("#upload-section")).to_be_hidden()
    expect(page.locator("#ask-section")).to_be_hidden()
    expect(answer).to_be_visible()
    expect(page.locator("#sources")).to_be_visible()
    page.emulate_media(media="screen")

    # Delete, after confirming.
    page.watch.accept_next_confirm = True
    item.locator("button.delete").click()
    expect(page.locator("#documents li[data-doc-id]")).to_have_count(0)
    assert page.watch.accept_next_confirm is False, "no confirm dialog was shown before deleting"

    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#documents-empty")).to_be_visible()
    expect(page.locator("#documents li[data-doc-id]")).to_have_count(0)

    page.watch.assert_clean()


def test_delete_is_cancelled_when_not_confirmed(page, summary_file):
    open_page(page)
    upload(page, summary_file)
    item = page.locator("#documents li[data-doc-id]")
    expect(item).to_have_count(1)

    item.locator("button.delete").click()  # the watch dismisses the confirm dialog
    page.wait_for_timeout(500)
    assert [d.split(":")[0] for d in page.watch.dialogs] == ["confirm"]
    expect(item).to_have_count(1)


def test_html_in_a_file_name_is_shown_as_text(page):
    open_page(page)
    upload(page, {"name": XSS_NAME, "mimeType": "text/plain", "buffer": SUMMARY.encode("utf-8")})

    item = page.locator("#documents li[data-doc-id]")
    expect(item).to_have_count(1)
    listed = page.request.get("/api/documents").json()["documents"]
    assert len(listed) == 1
    # Whatever name the app kept, the page shows exactly that text.
    expect(item.locator(".doc-name")).to_have_text(listed[0]["filename"])
    expect(page.locator("#upload-status")).to_contain_text(listed[0]["filename"])

    assert page.locator("img").count() == 0
    assert page.evaluate("document.querySelectorAll('img, script:not([src])').length") == 0
    page.wait_for_timeout(300)
    page.watch.assert_clean()


def test_unsupported_file_shows_a_readable_error(page):
    open_page(page)
    status = upload(page, {"name": "x.png", "mimeType": "image/png", "buffer": PNG_BYTES},
                    expect_success=False)
    text = status.inner_text().strip()
    assert "x.png" in text
    assert len(text) > 20
    assert "{" not in text and "<" not in text, f"error shown raw: {text!r}"
    expect(page.locator("#documents li[data-doc-id]")).to_have_count(0)
    expect(page.locator("#upload-progress")).to_be_hidden()
    page.watch.assert_clean()


# --------------------------------------------------------------------------- page behaviour with canned API answers

def test_not_found_answer_is_neutral_and_ask_is_disabled_while_streaming(page):
    fake_documents(page)
    held = []
    page.route("**/api/query", lambda route: held.append(route))
    open_page(page)
    expect(page.locator("#documents li[data-doc-id]")).to_have_count(1)

    page.get_by_role("button", name="Can I drive?").click()
    expect(page.locator("#ask")).to_be_disabled()
    expect(page.locator("#question")).to_have_value("Can I drive?")
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the page did not send the question"
    request = held[0].request
    body = request.post_data_json
    assert body["question"] == "Can I drive?"
    assert body["stream"] is True
    assert body["document_ids"] == ["doc-fake-1"]  # the one summary, named

    text = "Your summary does not say whether you can drive. Please ask your care team."
    held[0].fulfill(
        status=200,
        headers={"Content-Type": "text/event-stream"},
        body=sse("sources", {"sources": []})
        + sse("token", {"text": text[:20]})
        + sse("token", {"text": text[20:]})
        + sse("done", {"answer": text, "found": False, "sources": [], "backend": "extractive",
                       "model": None}),
    )
    answer = page.locator("#answer")
    expect(answer).to_have_attribute("data-state", "done")
    expect(answer).to_have_class(re.compile(r"\bnot-found\b"))
    expect(answer).to_have_text(text)
    expect(page.locator("#answer-heading")).to_have_text("Not in your summary")
    expect(page.locator("#answer-error")).to_be_hidden()
    expect(page.locator("#ask")).to_be_enabled()
    page.watch.assert_clean()


def test_an_answer_that_is_not_clear_shows_its_closest_lines_under_a_heading_that_says_so(page):
    fake_documents(page)
    closest = {"document_id": "doc-fake-1", "filename": "summary.txt", "section": "Diet", "page": 1,
               "text": "Low salt diet.", "score": 0.4}
    text = "Your summary does not seem to answer this clearly.\n\n**Diet (page 1)**\nLow salt diet."
    page.route("**/api/query", lambda route: route.fulfill(
        status=200, headers={"Content-Type": "text/event-stream"},
        body=sse("sources", {"sources": [closest]}) + sse("token", {"text": text})
        + sse("done", {"answer": text, "found": False, "sources": [closest], "backend": "extractive",
                       "model": None})))
    open_page(page)
    expect(page.locator("#documents li[data-doc-id]")).to_have_count(1)
    page.get_by_role("button", name="What can I eat?").click()
    expect(page.locator("#answer")).to_have_attribute("data-state", "done")
    expect(page.locator("#answer-heading")).to_have_text("No clear answer in your summary")
    expect(page.locator("#sources")).to_contain_text("Low salt diet.")
    page.watch.assert_clean()


def test_answer_markup_is_text_and_bold_labels_render(page):
    fake_documents(page, docs=(FAKE_DOC, dict(FAKE_DOC, id="doc-fake-2", filename="letter.txt",
                                              uploaded_at="2031-03-08T09:00:00Z")))
    answer_text = ("**Discharge Medications**\n- Metoprolol 25 mg once daily\n"
                   "- <img src=x onerror=alert(2)> is not a medicine\nTake them with water.")
    sources = [{"document_id": "doc-fake-1", "filename": "<b>summary</b>.txt",
                "section": "Discharge Medications", "page": 2,
                "text": "Metoprolol 25 mg <script>alert(3)</script> once daily", "score": 0.87}]
    bodies = []

    def handle(route):
        bodies.append(route.request.post_data_json)
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream"},
                      body=": comment line\n\n" + sse("sources", {"sources": sources})
                      + "".join(sse("token", {"text": answer_text[i:i + 7]})
                                for i in range(0, len(answer_text), 7))
                      + sse("done", {"answer": answer_text, "found": True, "sources": sources,
                                     "backend": "extractive", "model": None,
                                     "notice": "The AI model is offline; these are exact quotes."}))
    page.route("**/api/query", handle)
    open_page(page)
    expect(page.locator("#documents li[data-doc-id]")).to_have_count(2)

    # Only the newest document is ticked: the question names it.
    expect(page.locator("#documents li[data-doc-id='doc-fake-1'] input[type=checkbox]")).not_to_be_checked()
    page.fill("#question", "Which pills?")
    page.click("#ask")
    answer = page.locator("#answer")
    expect(answer).to_have_attribute("data-state", "done")
    assert bodies[0]["document_ids"] == ["doc-fake-2"]

    expect(answer.locator("strong")).to_have_text("Discharge Medications")
    expect(answer.locator("li")).to_have_count(2)
    expect(answer).to_contain_text("<img src=x onerror=alert(2)> is not a medicine")
    expect(page.locator("#answer-notice")).to_contain_text("exact quotes")

    source = page.locator("#sources li.source")
    expect(source).to_have_count(1)
    expect(source).to_contain_text("<b>summary</b>.txt")
    expect(source).to_contain_text("Discharge Medications")
    expect(source).to_contain_text("page 2")
    expect(source.locator("blockquote")).to_have_text(
        "Metoprolol 25 mg <script>alert(3)</script> once daily")
    assert page.evaluate("document.querySelectorAll('img, b, script:not([src])').length") == 0
    page.watch.assert_clean()


def test_stream_error_keeps_the_partial_answer(page):
    fake_documents(page)
    page.route("**/api/query", lambda route: route.fulfill(
        status=200, headers={"Content-Type": "text/event-stream"},
        body=sse("sources", {"sources": []}) + sse("token", {"text": "Take metoprolol "})
        + sse("error", {"error": "The language model stopped answering."})))
    open_page(page)
    page.fill("#question", "What do I take?")
    page.click("#ask")
    expect(page.locator("#answer")).to_have_attribute("data-state", "error")
    expect(page.locator("#answer")).to_contain_text("Take metoprolol")
    expect(page.locator("#answer-error")).to_have_text("The language model stopped answering.")
    expect(page.locator("#ask")).to_be_enabled()
    page.watch.assert_clean()


def test_question_rejected_before_streaming_shows_the_message(page):
    fake_documents(page)
    page.route("**/api/query", lambda route: route.fulfill(
        status=422, content_type="application/json",
        body=json.dumps({"error": "The question is empty or too long."})))
    open_page(page)
    page.fill("#question", "x")
    page.click("#ask")
    expect(page.locator("#answer-error")).to_have_text("The question is empty or too long.")
    expect(page.locator("#ask")).to_be_enabled()


def test_fallback_banner_shows_the_health_message(page):
    page.route("**/health", lambda route: route.fulfill(
        status=200, content_type="application/json",
        body=json.dumps({"status": "ok", "documents": 0, "llm": {
            "backend": "ollama", "reachable": False, "model": "mediassist", "fallback": True,
            "message": "Ollama is not running at 127.0.0.1:11434"}})))
    open_page(page)
    expect(page.locator("#mode-banner")).to_be_visible()
    expect(page.locator("#mode-banner")).to_contain_text("Ollama is not running")


def test_banner_hidden_when_the_model_is_up(page):
    page.route("**/health", lambda route: route.fulfill(
        status=200, content_type="application/json",
        body=json.dumps({"status": "ok", "documents": 0, "llm": {
            "backend": "ollama", "reachable": True, "model": "mediassist", "fallback": False,
            "message": ""}})))
    open_page(page)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#mode-banner")).to_be_hidden()


def test_no_documents_asks_for_an_upload_first(page):
    fake_documents(page, docs=())
    open_page(page)
    expect(page.locator("#documents-empty")).to_be_visible()
    page.fill("#question", "Can I drive?")
    page.click("#ask")
    expect(page.locator("#answer-error")).to_contain_text("add your discharge summary")


def test_an_emergency_is_shown_first_in_a_red_alert(page, summary_file):
    open_page(page)
    upload(page, summary_file)
    page.fill("#question", "I have crushing chest pain right now")
    page.press("#question", "Enter")
    expect(page.locator("#answer")).to_have_attribute("data-state", "done", timeout=ANSWER_TIMEOUT_MS)
    alert = page.locator("#emergency-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Call 911")
    page.fill("#question", "what pills do I take?")
    page.press("#question", "Enter")
    expect(page.locator("#answer")).to_have_attribute("data-state", "done", timeout=ANSWER_TIMEOUT_MS)
    expect(alert).to_be_hidden()
