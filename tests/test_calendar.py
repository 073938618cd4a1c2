"""Meeting .ics files: read back with icalendar, as a calendar client would."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, TimezoneDaylight, TimezoneStandard

from bot.clock import FixedClock
from bot.models import AgendaItem, AgendaKind, Meeting, MeetingFormat, MeetingStatus, NewsPost
from bot.posts.calendar import PRODID, CalendarEvent, ics_attachment, meeting_ics, vtimezone
from bot.replies import ResultKind
from tests.support.actors import FACILITATOR, named
from tests.support.deliverybot import MemoryBot, memory_delivery_bot
from tests.support.service import done

ANNA = named("Anna Jensen")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


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


def test_published_event_to_add_not_an_invitation_to_answer() -> None:
    calendar, event = parse(meeting_ics(MEETING, CPH, now=NOW))
    assert calendar.prodid == PRODID == "-//KL//Klimanet//DA"
    assert calendar.version == "2.0"
    assert calendar.method == "PUBLISH"
    # No organizer to reply to and nobody asked to RSVP: clients offer "add", not "accept".
    assert "ORGANIZER" not in event and "ATTENDEE" not in event
    assert b"RSVP" not in meeting_ics(MEETING, CPH, now=NOW)
    assert event.uid == "meeting-42@klimanet.kl.dk"
    assert event.sequence == 0
    assert event.status == "CONFIRMED"
    assert event.DTSTAMP == NOW
    assert event.summary == TITLE
    assert event.description == DESCRIPTION
    assert event.location == "KL, Weidekampsgade 10, 2300 København S"
    assert event.url == "https://example.org/klimanet/meetings/42"


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
    assert calendar.method == "PUBLISH"  # the same published event, now cancelled
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


# --- a meeting's file, from the meeting as it is stored -----------------------------------------

LINK = "https://m.example/klimanet"
ADDRESS = "KL, Weidekampsgade 10, 2300 København S"


def stored_meeting(format_: str, *, location: str = "", link: str = "") -> Meeting:
    starts = datetime(2027, 6, 24, 8, 0, tzinfo=UTC)
    return Meeting(
        id=7,
        network_id=1,
        number=3,
        title="Temamøde om affald",
        themes=["affald"],
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        format=format_,
        location=location,
        link=link,
        status=MeetingStatus.PLANNED.value,
        cancel_reason="",
        sequence=2,
        items=[
            AgendaItem(position=1, title="Velkomst", kind=AgendaKind.INTERNAL.value, presenter=""),
            AgendaItem(
                position=2,
                title="Affaldssortering i praksis",
                kind=AgendaKind.EXTERNAL.value,
                presenter="Bo Hansen, Aarhus",
                minutes=20,
            ),
            AgendaItem(position=3, title="Nyt fra KL", kind=AgendaKind.NEWS.value, presenter=""),
        ],
    )


def event_of(meeting: Meeting, news: list[NewsPost] | None = None) -> Event:
    attachment = ics_attachment(meeting, CPH, NOW, news or [])
    calendar, event = parse(attachment.content)
    assert calendar.method == "PUBLISH"
    assert "ORGANIZER" not in event and "ATTENDEE" not in event
    return event


def test_an_online_meeting_has_its_link_as_location_and_in_the_description() -> None:
    event = event_of(stored_meeting(MeetingFormat.ONLINE.value, link=LINK))
    assert event.location == LINK
    assert event.url == LINK
    assert f"Deltag online: {LINK}" in event.description.splitlines()
    assert "Sted:" not in event.description


def test_a_physical_meeting_has_its_address_and_no_link() -> None:
    event = event_of(stored_meeting(MeetingFormat.PHYSICAL.value, location=ADDRESS))
    assert event.location == ADDRESS
    assert "URL" not in event
    assert f"Sted: {ADDRESS}" in event.description.splitlines()
    assert "online" not in event.description.casefold()


def test_a_hybrid_meeting_has_the_address_and_the_link() -> None:
    event = event_of(stored_meeting(MeetingFormat.HYBRID.value, location=ADDRESS, link=LINK))
    assert ADDRESS in event.location and LINK in event.location
    assert event.url == LINK
    lines = event.description.splitlines()
    assert f"Sted: {ADDRESS}" in lines and f"Deltag online: {LINK}" in lines


def test_the_description_has_the_agenda_with_nyt_fra_kl_and_its_news() -> None:
    news = [NewsPost(text="Regeringens  klimaudspil\ner ude", author_user_id="U0KL")]
    event = event_of(stored_meeting(MeetingFormat.ONLINE.value, link=LINK), news)
    lines = event.description.splitlines()
    agenda = lines[lines.index("Dagsorden:") + 1 :]
    assert agenda == [
        "1. Internt oplæg: Velkomst",
        "2. Eksternt oplæg: Affaldssortering i praksis – ved Bo Hansen, Aarhus (20 min.)",
        "3. Nyt fra KL",
        "    • Regeringens klimaudspil er ude",
    ]
    # Plain text: no chat markup and no emoji codes in a calendar.
    assert not any(mark in event.description for mark in ("*", "`", ":newspaper:", "<http"))


def test_a_meeting_without_its_place_yet_leaves_it_out() -> None:
    event = event_of(stored_meeting(MeetingFormat.HYBRID.value, location=ADDRESS))
    assert event.location == ADDRESS
    assert "URL" not in event and "Deltag online" not in event.description
    event = event_of(stored_meeting(MeetingFormat.ONLINE.value))
    assert "LOCATION" not in event and "URL" not in event


def test_a_cancelled_meeting_is_the_same_event_cancelled() -> None:
    meeting = stored_meeting(MeetingFormat.ONLINE.value, link=LINK)
    before = event_of(meeting)
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.cancel_reason, meeting.sequence = "For få tilmeldte", 3
    after = event_of(meeting)
    assert after.uid == before.uid
    assert after.sequence > before.sequence
    assert (before.status, after.status) == ("CONFIRMED", "CANCELLED")
    assert after.summary.startswith("AFLYST: ")
    assert after.description.splitlines()[0] == "Mødet er aflyst: For få tilmeldte"


# --- played out: the file people add, and the updates a move and a cancellation bring ----------

CREATE = (
    'møde opret 15.03.2027 10:00-12:00 hybrid "Opstartsmøde" sted="Weidekampsgade 10" '
    "link=https://m.example/1"
)


@pytest.fixture
def bot(database_url: str, clock: FixedClock) -> Iterator[MemoryBot]:
    with memory_delivery_bot(database_url, clock) as bot:
        bot.say(ANNA, "tilmeld Aarhus")
        yield bot


def on_demand(bot: MemoryBot) -> Event:
    reply = bot.say(ANNA, "kalender 1")
    assert reply.attachment is not None and reply.attachment.filename == "klimanet-moede-1.ics"
    return parse(reply.attachment.content)[1]


def uploaded(bot: MemoryBot, start: int) -> list[Event]:
    """The calendar files shared since the ``start``-th."""
    return [parse(s.attachment.content)[1] for s in bot.notifier.shared()[start:]]


def test_moving_and_cancelling_update_the_entry_people_added(bot: MemoryBot) -> None:
    done(bot.say(FACILITATOR, CREATE), ResultKind.MEETING_CREATED, meeting=1)
    done(bot.say(FACILITATOR, "nyt Regeringens klimaudspil er ude"), ResultKind.NEWS_SAVED)
    added = on_demand(bot)
    assert "Weidekampsgade 10" in added.location and "https://m.example/1" in added.location
    lines = added.description.splitlines()
    assert "Nyt fra KL" in " ".join(lines[lines.index("Dagsorden:") :])
    assert "    • Regeringens klimaudspil er ude" in lines
    assert added.status == "CONFIRMED"

    bot.at(utc(2027, 3, 1, 8, 0))  # announced: Anna has heard of the meeting
    seen = len(bot.notifier.shared())
    bot.say(FACILITATOR, "møde flyt 1 22.03.2027 13:00-15:00")
    bot.delivery.drain()
    (moved,) = uploaded(bot, seen)  # the notice of the move to Anna brings the new file
    assert moved.uid == added.uid and moved.sequence > added.sequence
    assert moved.start == datetime(2027, 3, 22, 12, 0, tzinfo=UTC)  # 13.00 CET
    assert moved.status == "CONFIRMED"
    assert on_demand(bot).sequence == moved.sequence

    seen = len(bot.notifier.shared())
    bot.say(FACILITATOR, "møde aflys 1 bekræft For få tilmeldte")
    bot.delivery.drain()
    (cancelled,) = uploaded(bot, seen)
    assert cancelled.uid == added.uid and cancelled.sequence > moved.sequence
    assert cancelled.status == "CANCELLED"
    assert on_demand(bot).status == "CANCELLED"
