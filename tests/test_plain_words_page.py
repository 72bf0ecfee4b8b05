"""The page in a real Chromium: a line's plain reading under it, a term
tapped for its meaning, the thread kept on screen and sent as history, the timetable and the calendar link."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser

# test_page skips this module too where Chromium or Playwright is missing

from tests.test_api import SUMMARY  # noqa: E402
from tests.test_page import ANSWER_TIMEOUT_MS, base_url, browser, open_page, page, upload, expect  # noqa: E402,F401

UK_SUMMARY = SUMMARY.replace("1. Azithromycin 250 mg by mouth once daily for 3 more days.",
                             "1. Amoxicillin-Clavulanate 625mg PO BD x 5 days")


def ask_on_page(page, question):
    page.fill("#question", question)
    page.press("#question", "Enter")
    expect(page.locator("#answer")).to_have_attribute("data-state", "done", timeout=ANSWER_TIMEOUT_MS)


def test_plain_words_terms_thread_timetable_and_calendar(page, tmp_path):
    path = tmp_path / "uk_summary.txt"
    path.write_text(UK_SUMMARY, encoding="utf-8")
    open_page(page)
    upload(page, [str(path)])

    # The plan: the medicine in plain words, the timetable with its note, the calendar link.
    plan = page.locator("#plan")
    expect(plan).to_have_attribute("data-state", "ready", timeout=ANSWER_TIMEOUT_MS)
    expect(plan.locator("tr.med").first.locator(".plain-reading")).to_contain_text("twice a day")
    schedule = page.locator("#plan-schedule")
    expect(schedule.locator("tr.schedule-morning")).to_contain_text("Amoxicillin-Clavulanate")
    expect(schedule.locator("tr.schedule-as_needed")).to_contain_text("Albuterol")
    expect(page.locator("#plan-schedule-note")).to_contain_text("pharmacist")
    calendar = page.locator("#plan-calendar")
    expect(calendar).to_be_visible()
    assert calendar.get_attribute("href").endswith("/plan.ics")

    # The answer: the line as written, its reading under it, and BD explained on a tap.
    ask_on_page(page, "How long do I take the amoxicillin?")
    item = page.locator("#answer li", has_text="Amoxicillin-Clavulanate 625mg")
    expect(item.locator(".plain-reading")).to_contain_text("for 5 days")
    term = item.locator("button.term", has_text="BD")
    term.click()
    expect(term).to_have_attribute("aria-expanded", "true")
    expect(item.locator(".term-meaning")).to_contain_text("twice a day")
    expect(page.locator("#sources")).not_to_contain_text("match 0.")   # no raw similarity scores for a patient

    # A follow-up: the first turn moves into the thread on screen and goes with the question as history.
    with page.expect_request("**/api/query") as sent:
        ask_on_page(page, "and how often do I take it?")
    history = json.loads(sent.value.post_data)["history"]
    assert history[0]["question"] == "How long do I take the amoxicillin?"
    assert "Amoxicillin-Clavulanate" in history[0]["answer"]
    expect(page.locator("#thread > li")).to_have_count(1)
    expect(page.locator("#thread")).to_contain_text("How long do I take the amoxicillin?")
    expect(page.locator("#answer")).to_contain_text("BD")

    page.click("#new-conversation")
    expect(page.locator("#thread-block")).to_be_hidden()
    with page.expect_request("**/api/query") as sent:
        ask_on_page(page, "What can I eat?")
    assert "history" not in json.loads(sent.value.post_data)


def test_technical_details_stay_behind_a_control(page, tmp_path):
    path = tmp_path / "summary.txt"
    path.write_text(SUMMARY, encoding="utf-8")
    open_page(page)
    upload(page, [str(path)])
    done = {"answer": "The AI model is not available right now, so this answer quotes your summary word for word.",
            "found": True, "sources": [], "backend": "extractive", "model": None, "notice": None,
            "details": "Ollama is not reachable at http://127.0.0.1:11434."}
    page.route("**/api/query", lambda route: route.fulfill(status=200, content_type="application/json",
                                                          body=json.dumps(done)))
    ask_on_page(page, "When is my follow-up?")
    expect(page.locator("#answer")).not_to_contain_text("http://")
    details = page.locator("#answer-details")
    expect(details).to_be_visible()
    expect(page.locator("#answer-details-text")).not_to_be_visible()
    details.locator("summary").click()
    expect(page.locator("#answer-details-text")).to_contain_text("not reachable at http://127.0.0.1:11434")


def test_remove_my_summaries_clears_the_page_and_the_server(page, tmp_path):
    path = tmp_path / "summary.txt"
    path.write_text(SUMMARY, encoding="utf-8")
    open_page(page)
    upload(page, [str(path)])
    expect(page.locator("#documents li[data-doc-id]")).to_have_count(1)
    page.watch.accept_next_confirm = True
    with page.expect_response(lambda r: r.url.endswith("/api/documents") and r.request.method == "DELETE") as done:
        page.click("#forget-me")
    assert done.value.status == 204
    assert page.watch.accept_next_confirm is False, "no confirm dialog was shown before removing everything"
    expect(page.locator("#documents li[data-doc-id]")).to_have_count(0)
    expect(page.locator("#upload-status")).to_contain_text("removed from this computer")
    expect(page.locator("#plan")).to_be_hidden()
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#documents-empty")).to_be_visible()
