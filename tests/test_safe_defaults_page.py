"""The page on a shared computer and a phone, in a real Chromium: the newest summary is the one asked about,
several at once only when ticked (answered file by file), the answer scrolled into view, the plan readable at
390 px, long file names wrapped, and an axe-core audit with no serious or critical violation in any state."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

# test_page skips this module too where Chromium or Playwright is missing

from tests.test_page import (ANSWER_TIMEOUT_MS, UPLOAD_TIMEOUT_MS, base_url, browser, expect, open_page,  # noqa: E402,F401
                             page, upload)
from tests.test_several_summaries import DAD, MUM  # noqa: E402

AXE_JS = Path(__file__).resolve().parent.parent / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
LONG_NAME = "discharge-summary-" + "cardiology-ward-b-" * 6 + "final-signed-copy.txt"


def add_file(page, tmp_path, name, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    upload(page, [str(path)])
    # A second file waits in the queue behind the first's list request, while the status still shows the first
    # one's success: wait for this file's own.
    own_success = re.compile(rf"(?:Added|already added this summary \(as) {re.escape(name)}")
    expect(page.locator("#upload-status")).to_contain_text(own_success, timeout=UPLOAD_TIMEOUT_MS)


def ask_on_page(page, question):
    page.fill("#question", question)
    page.press("#question", "Enter")
    expect(page.locator("#answer")).to_have_attribute("data-state", "done", timeout=ANSWER_TIMEOUT_MS)


def ticked(page) -> list[str]:
    return page.locator("#documents li[data-doc-id]").evaluate_all(
        "items => items.filter(i => i.querySelector('input').checked)"
        ".map(i => i.querySelector('.doc-name').textContent)")


def test_the_newest_summary_is_asked_about_and_several_only_when_ticked(page, tmp_path):
    open_page(page)
    add_file(page, tmp_path, "mum.txt", MUM)
    add_file(page, tmp_path, "dad.txt", DAD)
    assert ticked(page) == ["dad.txt"]

    with page.expect_request("**/api/query") as sent:
        ask_on_page(page, "Which medicines do I take?")
    dad_id = page.locator("#documents li", has_text="dad.txt").get_attribute("data-doc-id")
    assert sent.value.post_data_json["document_ids"] == [dad_id]
    expect(page.locator("#answer")).to_contain_text("Metformin")
    expect(page.locator("#answer")).not_to_contain_text("Furosemide")

    page.locator("#documents li", has_text="mum.txt").locator("input[type=checkbox]").check()
    expect(page.locator("#documents-hint")).to_contain_text("2 ticked summaries")
    ask_on_page(page, "Which medicines do I take?")
    answer = page.locator("#answer")
    expect(answer.locator("strong", has_text="From mum.txt:")).to_have_count(1)
    expect(answer.locator("strong", has_text="From dad.txt:")).to_have_count(1)

    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#documents li[data-doc-id]")).to_have_count(2)
    assert ticked(page) == ["dad.txt"]


def test_a_late_answer_to_an_older_list_request_does_not_undo_the_summary_just_added(page, tmp_path):
    """The list the page asked for when it opened (empty) arrives only after an upload's own list: applying it
    would drop the summary just added and its tick."""
    held = []

    def hold_the_first_list(route):
        if route.request.method == "GET" and not held:
            held.append((route, route.fetch()))   # the answer as it was then: no summary yet
        else:
            route.continue_()
    page.route("**/api/documents", hold_the_first_list)
    open_page(page)
    add_file(page, tmp_path, "dad.txt", DAD)
    expect(page.locator("#documents li[data-doc-id]")).to_have_count(1)
    assert held, "the page did not ask for its list on opening"
    route, stale = held[0]
    with page.expect_response(lambda r: r.request.method == "GET" and r.url.endswith("/api/documents")):
        route.fulfill(response=stale)
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 200))")   # let the page handle it
    assert ticked(page) == ["dad.txt"]


def test_on_a_phone_the_plan_is_one_tap_away_and_the_answer_scrolls_into_view(page, tmp_path):
    page.set_viewport_size(PHONE)
    open_page(page)
    add_file(page, tmp_path, LONG_NAME, DAD)

    # A long file name wraps: nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    link = page.locator("#upload-plan-link")
    expect(link).to_be_visible()
    link.click()
    plan = page.locator("#plan")
    expect(plan).to_have_attribute("data-state", "ready", timeout=ANSWER_TIMEOUT_MS)
    expect(plan).to_be_in_viewport()

    # Every column of the medicines table shows at 390 px, labelled, with nothing to scroll sideways.
    row = plan.locator("tr.med", has_text="Metformin")
    for label in ("Dose", "How to take", "How often"):
        cell = row.locator(f"td[data-label='{label}']")
        expect(cell).to_be_visible()
        assert cell.evaluate("c => getComputedStyle(c, '::before').content").strip('"').startswith(label)
    scroller = plan.locator(".table-scroll").first
    assert scroller.evaluate("s => s.scrollWidth - s.clientWidth") <= 0

    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_role("button", name="Which medicines do I take, and how often?").click()
    expect(page.locator("#answer")).to_have_attribute("data-state", "done", timeout=ANSWER_TIMEOUT_MS)
    # the scroll is smooth: wait for it to reach the answer's top, in the upper half of the screen
    page.wait_for_function("""() => {
        const top = document.getElementById('answer-section').getBoundingClientRect().top;
        return top >= 0 && top < window.innerHeight / 2; }""", timeout=5_000)


# ------------------------------------------------------------------ accessibility audit

def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings, with the experimental label-versus-name rule turned on."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate("""() => axe.run(document, {
        resultTypes: ['violations'],
        rules: {'label-content-name-mismatch': {enabled: true}}
    })""")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.skipif(not AXE_JS.exists(), reason="axe-core is not installed (make test installs it with npm)")
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"])
def test_no_serious_accessibility_violation_in_any_state(page, tmp_path, scheme, viewport):
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme=scheme)
    found = {}
    open_page(page)
    found["empty page"] = serious_violations(page)
    add_file(page, tmp_path, LONG_NAME, DAD)
    found["after upload"] = serious_violations(page)
    ask_on_page(page, "Which medicines do I take?")
    found["after an answer"] = serious_violations(page)
    page.locator("#documents li").first.locator("button.show-plan").click()
    expect(page.locator("#plan")).to_have_attribute("data-state", "ready", timeout=ANSWER_TIMEOUT_MS)
    found["plan open"] = serious_violations(page)
    assert {state: v for state, v in found.items() if v} == {}


def test_the_plan_tables_can_be_scrolled_from_the_keyboard(page, tmp_path):
    open_page(page)
    add_file(page, tmp_path, "dad.txt", DAD)
    expect(page.locator("#plan")).to_have_attribute("data-state", "ready", timeout=ANSWER_TIMEOUT_MS)
    for scroller in page.locator("#plan .table-scroll").all():
        if scroller.is_visible():
            assert scroller.get_attribute("tabindex") == "0" and scroller.get_attribute("role") == "region"
            assert scroller.get_attribute("aria-labelledby")
