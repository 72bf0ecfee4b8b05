"""Real-browser tests of the "Your discharge plan" card (templates/index.html, static/app.js, static/style.css).

Like tests/test_page.py, they serve the real app (extractive backend) on a free local port and drive
Debian's Chromium through Playwright. The card reads GET /api/documents/<id>/plan; a few tests replace that
answer with `page.route` to check how the card shows errors, empty plans and hostile text.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

# test_page skips this module too where Chromium or Playwright is missing

DATA = Path(__file__).parent / "data"
UPLOAD_TIMEOUT_MS = 120_000


# --------------------------------------------------------------------------- fixtures

# The live app, the browser and the watched page are the same as the page tests use.
from tests.test_page import base_url, browser, page, expect  # noqa: E402,F401


def open_page(page):
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def upload(page, name: str):
    page.set_input_files("#file-input", str(DATA / name))
    expect(page.locator("#upload-status")).to_have_attribute("data-state", "success", timeout=UPLOAD_TIMEOUT_MS)


def plan_ready(page):
    expect(page.locator("#plan")).to_be_visible()
    expect(page.locator("#plan")).to_have_attribute("data-state", "ready")


def fake_documents(page, docs):
    def handle(route):
        if route.request.method == "GET":
            route.fulfill(status=200, content_type="application/json", body=json.dumps({"documents": docs}))
        else:
            route.fallback()
    page.route("**/api/documents", handle)


def fake_plan(page, body, status=200):
    page.route("**/api/documents/*/plan", lambda route: route.fulfill(
        status=status, content_type="application/json", body=json.dumps(body)))


EMPTY_PLAN = {"medications": [], "follow_up": [], "tests": [], "diet": [], "activity": [], "wound_care": [],
              "warning_signs": []}


# --------------------------------------------------------------------------- against the real app

def test_plan_card_appears_after_upload(page):
    open_page(page)
    expect(page.locator("#plan")).to_be_hidden()
    upload(page, "heart_failure.txt")
    plan_ready(page)
    expect(page.locator("#plan h2")).to_have_text("Your discharge plan")
    expect(page.locator("#plan-file")).to_contain_text("heart_failure.txt")

    rows = page.locator("#plan-medications tr.med")
    expect(rows).to_have_count(9)
    furosemide = rows.filter(has_text="Furosemide")
    expect(furosemide).to_contain_text("40 mg")
    expect(furosemide).to_contain_text("by mouth")
    expect(furosemide).to_contain_text("twice daily")
    expect(furosemide.locator(".badge")).to_have_text("CHANGED")
    expect(rows.filter(has_text="Lisinopril").locator(".badge")).to_have_text("STOPPED")
    expect(page.locator("#plan-medications .badge", has_text="NEW")).to_have_count(2)

    follow_up = page.locator("#plan-follow-up li")   # the two visits, and the blood test at the lab on its day
    expect(follow_up).to_have_count(3)
    expect(follow_up.first).to_contain_text("Dr. Maria Okafor")
    expect(follow_up.first).to_contain_text("March 18, 2025")
    expect(follow_up.filter(has_text="hospital lab")).to_contain_text("March 12, 2025")
    expect(page.locator("#plan-tests")).to_contain_text("Blood tests for potassium and creatinine")
    expect(page.locator("#plan-diet")).to_contain_text("2 g sodium")
    expect(page.locator("#plan-activity")).to_contain_text("No driving for 1 week")
    expect(page.locator("#plan-wound-care")).to_have_text("Not in your summary")
    warnings = page.locator("#plan-warning-signs")
    expect(warnings).to_contain_text("Shortness of breath at rest")
    expect(page.locator(".plan-warning")).to_contain_text("Call 911 / go to the emergency department")
    border = page.evaluate("getComputedStyle(document.querySelector('.plan-warning')).borderTopStyle")
    assert border == "solid"

    # Phone width: the table scrolls inside the card, the page does not get wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than a phone screen"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.watch.assert_clean()


def test_print_plan_prints_only_the_card(page):
    open_page(page)
    upload(page, "knee_replacement.txt")
    plan_ready(page)
    page.evaluate("""() => {
        window.__printCalls = [];
        window.print = () => window.__printCalls.push(document.body.classList.contains('printing-plan'));
    }""")
    page.click("#print-plan")
    assert page.evaluate("window.__printCalls") == [True]

    page.emulate_media(media="print")
    expect(page.locator("#plan")).to_be_visible()
    expect(page.locator("#plan-medications tr.med")).to_have_count(7)
    for other in ("#upload-section", "#documents-section", "#ask-section", "#answer-section"):
        expect(page.locator(other)).to_be_hidden()
    expect(page.locator("#print-plan")).to_be_hidden()

    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.evaluate("document.body.classList.contains('printing-plan')") is False
    # An ordinary print (the answer) leaves the plan out.
    expect(page.locator("#plan")).to_be_hidden()
    expect(page.locator("#answer-section")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator("#plan")).to_be_visible()
    page.watch.assert_clean()


def test_show_plan_switches_between_documents_and_delete_hides_it(page):
    open_page(page)
    upload(page, "heart_failure.txt")
    plan_ready(page)
    upload(page, "knee_replacement.txt")
    plan_ready(page)
    expect(page.locator("#plan-medications")).to_contain_text("Apixaban")

    items = page.locator("#documents li[data-doc-id]")
    expect(items).to_have_count(2)
    heart = items.filter(has_text="heart_failure.txt")
    heart.locator("button.show-plan").click()
    plan_ready(page)
    expect(page.locator("#plan-file")).to_contain_text("heart_failure.txt")
    expect(page.locator("#plan-medications")).to_contain_text("Sacubitril/valsartan")
    expect(page.locator("#plan-medications")).not_to_contain_text("Apixaban")

    page.watch.accept_next_confirm = True
    heart.locator("button.delete").click()
    expect(items).to_have_count(1)
    expect(page.locator("#plan")).to_be_hidden()

    items.first.locator("button.show-plan").click()
    plan_ready(page)
    expect(page.locator("#plan-medications tr.med").first).to_contain_text("Apixaban")
    expect(page.locator("#plan-wound-care li")).to_have_count(3)
    page.watch.assert_clean()


def test_plan_route_answers_404_for_unknown_documents(page):
    open_page(page)
    response = page.request.get("/api/documents/doc-does-not-exist/plan")
    assert response.status == 404
    assert "error" in response.json()


# --------------------------------------------------------------------------- canned plan answers

FAKE_DOC = {"id": "doc-fake-1", "filename": "summary.txt", "uploaded_at": "2031-03-07T12:00:00Z", "pages": 1,
            "chunks": 4}


def show_canned_plan(page, plan: dict, filename: str = "summary.txt") -> None:
    """The page, showing `plan` as the plan of its one (canned) document."""
    fake_documents(page, [FAKE_DOC])
    fake_plan(page, {"document_id": "doc-fake-1", "filename": filename, **plan})
    open_page(page)
    page.locator("#documents li[data-doc-id] button.show-plan").click()
    plan_ready(page)


def test_empty_plan_says_not_in_your_summary(page):
    show_canned_plan(page, EMPTY_PLAN)
    expect(page.locator("#plan-medications")).to_be_hidden()
    expect(page.locator("#plan-medications-empty")).to_have_text("Not in your summary")
    for list_id in ("#plan-follow-up", "#plan-tests", "#plan-diet", "#plan-activity", "#plan-wound-care",
                    "#plan-warning-signs"):
        expect(page.locator(list_id)).to_have_text("Not in your summary")
    page.watch.assert_clean()


def test_plan_text_is_shown_as_text(page):
    hostile = "<img src=x onerror=alert(1)>"
    plan = dict(EMPTY_PLAN, medications=[
        {"name": hostile, "dose": "5 mg", "route": None, "frequency": "<b>daily</b>", "duration": None,
         "status": "new", "text": hostile, "section": "Discharge Medications", "page": 1}],
        follow_up=[{"who": "<script>alert(2)</script>", "when": "in 1 week", "purpose": None,
                    "text": "See <script>alert(2)</script> in 1 week", "section": "Follow-up", "page": 1}],
        warning_signs=[{"text": "Call if <i>fever</i>", "section": "Warning Signs", "page": 2}])
    show_canned_plan(page, plan, filename="<b>x</b>.txt")
    row = page.locator("#plan-medications tr.med")
    expect(row).to_have_count(1)
    expect(row.locator("th")).to_have_text(hostile)
    expect(row).to_contain_text("<b>daily</b>")
    expect(row.locator(".badge")).to_have_text("NEW")
    expect(page.locator("#plan-follow-up")).to_contain_text("<script>alert(2)</script>")
    expect(page.locator("#plan-warning-signs")).to_have_text("Call if <i>fever</i>")
    expect(page.locator("#plan-file")).to_contain_text("<b>x</b>.txt")
    assert page.evaluate("document.querySelectorAll('#plan img, #plan b, #plan i, script:not([src])').length") == 0
    page.watch.assert_clean()


def test_an_appointment_shows_where_it_is(page):
    plan = dict(EMPTY_PLAN, follow_up=[
        {"who": "Tomas Lindqvist, MD", "when": "Apr 6, 2026 9:15 AM", "purpose": None, "section": "Follow-up",
         "text": "Monday Apr 6, 2026: 9:15 AM NEW PATIENT VISIT with Tomas Lindqvist, MD", "page": 1,
         "where": "41 Harbor View Rd Suite 12, Duluth MN 55802"},
        {"who": "PCP", "when": "in 1 week", "purpose": None, "text": "PCP in 1 week", "section": "Follow-up",
         "page": 1}])
    show_canned_plan(page, plan)
    visits = page.locator("#plan-follow-up li")
    expect(visits).to_have_count(2)
    expect(visits.first.locator(".appointment-where")).to_have_text(
        "Where: 41 Harbor View Rd Suite 12, Duluth MN 55802")
    expect(visits.nth(1).locator(".appointment-where")).to_have_count(0)
    page.watch.assert_clean()


def test_plan_error_is_readable(page):
    fake_documents(page, [FAKE_DOC])
    fake_plan(page, {"error": "No document with id 'doc-fake-1' among your documents."}, status=404)
    open_page(page)
    page.locator("#documents li[data-doc-id] button.show-plan").click()
    expect(page.locator("#plan")).to_have_attribute("data-state", "error")
    expect(page.locator("#plan-error")).to_contain_text("No document with id")
    expect(page.locator("#plan-body")).to_be_hidden()
    expect(page.locator("#print-plan")).to_be_disabled()
    page.watch.assert_clean()
