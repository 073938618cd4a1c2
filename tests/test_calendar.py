"""Meeting .ics files: read back with icalendar, as a calendar client would."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, TimezoneDaylight, TimezoneStandard

from bot.posts.calendar import PRODID, CalendarEvent, meeting_ics, vtimezone

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
TITLE = "Opstartsmøde \u2013 Nyt fra KL"
DESCRIPTION = "Dagsorden:\n1. Velkomst, præsentation; forventninger\n2. Grønne indkøb (æøå ÆØÅ)"

MEETING = CalendarEvent(
    uid="meeting-42@klimanet.kl.dk",
    sequence=0,
    title=TITLE,
    description=DESCRIPTION,
    start_utc=datetime(2026, 6, 25, 8, 0, tzinfo=UTC),  # 10.00 CEST
    end_utc=datetime(2026, 6, 25, 10, 0, tzinfo=UTC),  # 12.00 CEST
    location="KL, Weidekampsgade 10, 2300 København S",
    url="https://example.org/klimanet/meetings/42",
    cancelled=False,
)


def parse(ics: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.events
    return calendar, event


def onset_and_offsets(
    observance: TimezoneStandard | TimezoneDaylight,
) -> tuple[datetime, timedelta, timedelta]:
    return observance.DTSTART, observance.TZOFFSETFROM, observance.TZOFFSETTO


def test_request() -> None:
    calendar, event = parse(meeting_ics(MEETING, CPH, now=NOW))
    assert calendar.prodid == PRODID == "-//KL//Klimanet//DA"
    assert calendar.version == "2.0"
    assert calendar.method == "REQUEST"
    assert event.uid == "meeting-42@klimanet.kl.dk"
    assert event.sequence == 0
    assert event.status == "CONFIRMED"
    assert event.DTSTAMP == NOW
    assert event.summary == TITLE
    assert event.description == DESCRIPTION
    assert event.location == "KL, Weidekampsgade 10, 2300 København S"
    assert event.url == "https://example.org/klimanet/meetings/42"
    assert event["ORGANIZER"].params["CN"] == "KL"


def test_times_are_local_with_a_tzid() -> None:
    _, event = parse(meeting_ics(MEETING, CPH, now=NOW))
    for name in ("DTSTART", "DTEND"):
        assert event[name].params["TZID"] == "Europe/Copenhagen"
    assert event.start == MEETING.start_utc
    assert event.end == MEETING.end_utc
    assert isinstance(event.start, datetime) and isinstance(event.end, datetime)
    assert event.start.replace(tzinfo=None) == datetime(2026, 6, 25, 10)
    assert event.end.replace(tzinfo=None) == datetime(2026, 6, 25, 12)


def test_winter_meeting_is_at_ten_local_too() -> None:
    winter = dataclasses.replace(
        MEETING,
        start_utc=datetime(2026, 1, 8, 9, 0, tzinfo=UTC),
        end_utc=datetime(2026, 1, 8, 11, 0, tzinfo=UTC),
    )
    ics = meeting_ics(winter, CPH, now=NOW)
    assert b"DTSTART;TZID=Europe/Copenhagen:20260108T100000\r\n" in ics
    assert b"DTEND;TZID=Europe/Copenhagen:20260108T120000\r\n" in ics
    assert b"DTSTAMP:20260501T120000Z\r\n" in ics


def test_cancellation() -> None:
    cancelled = dataclasses.replace(MEETING, sequence=3, cancelled=True)
    calendar, event = parse(meeting_ics(cancelled, CPH, now=NOW))
    assert calendar.method == "CANCEL"
    assert event.status == "CANCELLED"
    assert event.uid == MEETING.uid  # the same event, so clients remove it
    assert event.sequence == 3


def test_optional_fields_are_left_out() -> None:
    bare = dataclasses.replace(MEETING, description="", location="", url=None)
    _, event = parse(meeting_ics(bare, CPH, now=NOW))
    for name in ("DESCRIPTION", "LOCATION", "URL"):
        assert name not in event


def test_danish_letters_survive_as_utf8_and_lines_are_folded() -> None:
    long_title = dataclasses.replace(MEETING, title=TITLE + " æøå ÆØÅ" * 12)
    ics = meeting_ics(long_title, CPH, now=NOW)
    ics.decode("utf-8")  # folding never splits a multi-byte letter
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    _, event = parse(ics)
    assert event.summary == TITLE + " æøå ÆØÅ" * 12


def test_vtimezone_has_standard_and_daylight() -> None:
    calendar, _ = parse(meeting_ics(MEETING, CPH, now=NOW))
    (timezone,) = calendar.timezones
    assert timezone.tz_name == "Europe/Copenhagen"
    (daylight,) = timezone.daylight
    (standard,) = timezone.standard
    # RFC 5545: DTSTART is the onset in the offset before the change (TZOFFSETFROM).
    assert onset_and_offsets(daylight) == (
        datetime(2025, 3, 30, 2, 0),
        timedelta(hours=1),
        timedelta(hours=2),
    )
    assert onset_and_offsets(standard) == (
        datetime(2025, 10, 26, 3, 0),
        timedelta(hours=2),
        timedelta(hours=1),
    )
    assert b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in timezone.to_ical()
    assert b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in timezone.to_ical()


@pytest.mark.parametrize(
    ("zone", "year"),
    [
        ("Europe/Copenhagen", 2026),
        ("America/Sao_Paulo", 2019),  # DST abolished in 2019: the yearly rule ends in range
        ("Asia/Tokyo", 2026),  # no DST at all
    ],
)
def test_vtimezone_agrees_with_zoneinfo(zone: str, year: int) -> None:
    """Read back by icalendar, the VTIMEZONE gives zoneinfo's offset every half hour.

    Checked from the start of the meeting's year: the component starts a year earlier, so a
    meeting is always after a change of each kind.
    """
    tz = ZoneInfo(zone)
    start = datetime(year, 6, 1, tzinfo=UTC)
    ics = b"BEGIN:VCALENDAR\r\n" + vtimezone(tz, start, start).to_ical() + b"END:VCALENDAR\r\n"
    (parsed,) = Calendar.from_ical(ics).timezones
    as_read = parsed.to_tz(lookup_tzid=False)
    day = datetime(year, 1, 1, tzinfo=UTC)
    while day < datetime(year + 2, 1, 1, tzinfo=UTC):
        # Every quarter of an hour on the days of a change, once a day otherwise.
        changes = (
            day.astimezone(tz).utcoffset() != (day + timedelta(days=1)).astimezone(tz).utcoffset()
        )
        for quarter in range(96) if changes else (48,):
            moment = day + timedelta(minutes=15 * quarter)
            assert moment.astimezone(as_read).utcoffset() == moment.astimezone(tz).utcoffset(), (
                moment
            )
        day += timedelta(days=1)


def test_event_checks_itself() -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(MEETING, start_utc=datetime(2026, 6, 25, 8, 0))
    with pytest.raises(ValueError):
        dataclasses.replace(MEETING, end_utc=MEETING.start_utc - timedelta(minutes=1))
    with pytest.raises(ValueError):
        dataclasses.replace(MEETING, uid=" ")
    with pytest.raises(ValueError):
        dataclasses.replace(MEETING, sequence=-1)
    with pytest.raises(ValueError):
        meeting_ics(MEETING, CPH, now=datetime(2026, 5, 1, 12, 0))
