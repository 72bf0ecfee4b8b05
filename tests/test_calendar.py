"""Follow-ups to the calendar: dated appointments become events in an .ics file that a maintained iCalendar
parser reads; undated or ambiguous dates are never guessed."""
from __future__ import annotations

from datetime import date, datetime, time

import icalendar
import pytest

from discharge_plan import Appointment
from mediassist.plan.calendar import calendar_events, to_ics, written_date, written_time
from tests.conftest import upload
from tests.test_api import SUMMARY

ADDED = date(2026, 3, 7)


def visit(text: str, when: str | None = None, who: str | None = None) -> Appointment:
    return Appointment(who=who, when=when, purpose=None, text=text, section="Follow-up", page=1)


@pytest.mark.parametrize("text, expected", [
    ("See Dr. Rivera on March 13, 2026 at 10:30 am.", (date(2026, 3, 13), True)),
    ("Clinic 13 March 2026", (date(2026, 3, 13), True)),
    ("Review on 2026-04-02", (date(2026, 4, 2), True)),
    ("Tuesday, 6/16/2009 for further followup", (date(2009, 6, 16), True)),
    ("OPD review on 16/06/2026", (date(2026, 6, 16), True)),
    ("Follow up on Jan 5", (date(2027, 1, 5), False)),          # no year: the next Jan 5 after the summary
    ("Follow up on March 20", (date(2026, 3, 20), False)),
])
def test_dates_written_out_are_read(text, expected):
    assert written_date(text, ADDED) == expected


@pytest.mark.parametrize("text", ["in 2 weeks", "03/04/2026", "next Tuesday", "February 30, 2026", "6/16"])
def test_relative_ambiguous_or_impossible_dates_give_no_event(text):
    assert written_date(text, ADDED) is None


@pytest.mark.parametrize("text, expected", [
    ("at 10:30 am", time(10, 30)), ("2 PM", time(14, 0)), ("at 14:15", time(14, 15)), ("12 pm", time(12, 0)),
    ("on March 13", None)])
def test_times(text, expected):
    assert written_time(text) == expected


def test_the_calendar_file_parses_with_one_event_per_dated_appointment():
    visits = [visit("See Dr. Rivera at the Lakeside Clinic on March 13, 2026 at 10:30 am.", who="Dr. Rivera"),
              visit("Chest X-ray in 6 weeks."),
              visit("Cardiology clinic; review, bring your medicines; 2 April 2026", who="Cardiology clinic " * 8)]
    ics = to_ics(calendar_events(visits, ADDED), "Follow-ups: summary.pdf", now=datetime(2026, 3, 7, 9, 0))
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    calendar = icalendar.Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    timed, all_day = events
    assert timed.decoded("DTSTART") == datetime(2026, 3, 13, 10, 30)
    assert "Dr. Rivera" in str(timed.get("SUMMARY"))
    assert "Lakeside Clinic" in str(timed.get("DESCRIPTION"))
    assert all_day.decoded("DTSTART") == date(2026, 4, 2)
    assert "bring your medicines; 2 April 2026" in str(all_day.get("DESCRIPTION"))   # escaped and read back whole


def test_an_appointment_that_says_where_it_is_gives_the_event_its_location():
    there = Appointment(who="Dr. Lindqvist", when="Apr 6, 2026", purpose=None, section="Follow-up", page=1,
                        text="Monday Apr 6, 2026: 9:15 AM visit with Tomas Lindqvist, MD",
                        where="41 Harbor View Rd Suite 12, Duluth MN 55802")
    event, = icalendar.Calendar.from_ical(to_ics(calendar_events([there], ADDED), "x")).walk("VEVENT")
    assert str(event.get("LOCATION")) == "41 Harbor View Rd Suite 12, Duluth MN 55802"
    unplaced, = icalendar.Calendar.from_ical(to_ics(calendar_events([visit("Clinic 13 March 2026")], ADDED),
                                                    "x")).walk("VEVENT")
    assert unplaced.get("LOCATION") is None


def test_the_calendar_endpoint_serves_the_plans_dated_follow_ups(client):
    doc = upload(client, "pneumonia.txt", SUMMARY.encode()).get_json()
    plan = client.get(f"/api/documents/{doc['id']}/plan").get_json()
    assert [v["calendar"] for v in plan["follow_up"]][:1] == [True]
    response = client.get(f"/api/documents/{doc['id']}/plan.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    events = icalendar.Calendar.from_ical(response.get_data(as_text=True)).walk("VEVENT")
    assert [e.decoded("DTSTART") for e in events] == [datetime(2026, 3, 13, 10, 30)]


def test_no_dated_follow_up_is_a_clear_404(client):
    text = SUMMARY.replace("on March 13, 2026 at 10:30 am", "in one week")
    doc = upload(client, "undated.txt", text.encode()).get_json()
    response = client.get(f"/api/documents/{doc['id']}/plan.ics")
    assert response.status_code == 404 and "no follow-up appointment with a date" in response.get_json()["error"]


def test_another_callers_calendar_is_not_found(client, app):
    doc = upload(client, "pneumonia.txt", SUMMARY.encode()).get_json()
    other = app.test_client()
    assert other.get(f"/api/documents/{doc['id']}/plan.ics").status_code == 404
