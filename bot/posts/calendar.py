"""iCalendar (.ics) files for meetings, so members can put them in their own calendar.

The file is something to add, not an invitation to answer: METHOD:PUBLISH, with no ORGANIZER and
no ATTENDEE, so no client offers "Accept/Decline" or sends a reply to an address nobody reads
(RFC 5546 lists ORGANIZER for PUBLISH, but the clients that import files take it without, and a
made-up one is what made them ask for replies). Answers to KL go through the bot. One file per
meeting and version: a stable UID and a growing SEQUENCE let calendar clients update a moved
meeting in place, and STATUS:CANCELLED under the same UID marks it cancelled (METHOD:CANCEL is an
organizer's message to attendees, which this file has neither of).
Times are written as local wall-clock times with a TZID and a matching VTIMEZONE, which is
what Outlook and Google Calendar import most reliably.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from bot import texts
from bot.models import Meeting, MeetingStatus, NewsPost
from bot.replies import Attachment, as_written

PRODID = "-//KL//Klimanet//DA"
METHOD = "PUBLISH"

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    title: str
    description: str
    start_utc: datetime
    end_utc: datetime
    location: str
    url: str | None
    cancelled: bool

    def __post_init__(self) -> None:
        if not self.uid.strip():
            raise ValueError("CalendarEvent needs a uid")
        if self.sequence < 0:
            raise ValueError("CalendarEvent sequence must not be negative")
        for value in (self.start_utc, self.end_utc):
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError("CalendarEvent times must be aware")
        if self.end_utc < self.start_utc:
            raise ValueError("CalendarEvent ends before it starts")


def meeting_ics(event: CalendarEvent, tz: ZoneInfo, *, now: datetime) -> bytes:
    """The .ics bytes (UTF-8, CRLF) of one meeting, as it stands now (cancelled or not)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("meeting_ics needs an aware 'now'")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", METHOD)
    calendar.add_component(vtimezone(tz, event.start_utc, event.end_utc))
    calendar.add_component(_vevent(event, tz, now))
    ics: bytes = calendar.to_ical()
    return ics


def _vevent(event: CalendarEvent, tz: ZoneInfo, now: datetime) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", now.astimezone(UTC))
    vevent.add("dtstart", event.start_utc.astimezone(tz))
    vevent.add("dtend", event.end_utc.astimezone(tz))
    vevent.add("summary", event.title)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    return vevent


# How often a subscribed calendar should look again (Outlook and Google mostly decide themselves).
FEED_REFRESH = timedelta(minutes=15)


def feed_ics(events: Sequence[CalendarEvent], tz: ZoneInfo, *, name: str, stamp: datetime) -> bytes:
    """A subscription feed: every event in one calendar. ``stamp`` (DTSTAMP) is when the feed's
    content last changed, not the time of the request, so an unchanged feed is the same bytes
    (its ETag stays, and a poll is answered 304)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", METHOD)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", tz.key)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    if events:
        first = min(event.start_utc for event in events)
        last = max(event.end_utc for event in events)
        calendar.add_component(_feed_vtimezone(tz, first.astimezone(UTC).year, last.year))
    for event in events:
        calendar.add_component(_vevent(event, tz, stamp))
    ics: bytes = calendar.to_ical()
    return ics


@lru_cache(maxsize=32)
def _feed_vtimezone(tz: ZoneInfo, first_year: int, last_year: int) -> Timezone:
    """A feed's VTIMEZONE, computed once per span of years: it depends on nothing else, and
    finding the zone's changes to the second is most of a feed's cost. Serialised, never changed
    after it is built, so calendars may share it."""
    start = datetime(first_year, 7, 1, tzinfo=UTC)
    return vtimezone(tz, start, datetime(last_year, 7, 1, tzinfo=UTC))


# --- VTIMEZONE ---------------------------------------------------------------------------------
#
# Built here rather than with icalendar's Timezone.from_tzinfo: in icalendar 7.3.2 that writes the
# DAYLIGHT onset as 03:00 with TZOFFSETFROM +0100 (an hour late; RFC 5545 counts DTSTART in the
# offset before the change, so 02:00), and lists every change as RDATE. Here each onset is the
# exact UTC transition expressed in TZOFFSETFROM, and a yearly pattern such as "last Sunday of
# March" becomes an RRULE, as Outlook and Google write it.


@dataclass(frozen=True)
class _Transition:
    at_utc: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_dst: bool

    @property
    def onset_local(self) -> datetime:
        return (self.at_utc + self.offset_from).replace(tzinfo=None)


def _state(tz: ZoneInfo, at_utc: datetime) -> tuple[timedelta | None, timedelta | None, str | None]:
    local = at_utc.astimezone(tz)
    return local.utcoffset(), local.dst(), local.tzname()


def _transitions(tz: ZoneInfo, begin: datetime, end: datetime) -> list[_Transition]:
    """Every change of offset, DST flag or name in [begin, end), to the second (UTC)."""
    found = []
    cursor = begin
    while cursor < end:
        following = min(cursor + timedelta(days=1), end)
        if _state(tz, cursor) != _state(tz, following):
            low, high = cursor, following  # whole seconds; the change lies in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + timedelta(seconds=int((high - low).total_seconds()) // 2)
                if _state(tz, middle) == _state(tz, low):
                    low = middle
                else:
                    high = middle
            after = high.astimezone(tz)
            found.append(
                _Transition(
                    at_utc=high,
                    offset_from=low.astimezone(tz).utcoffset() or timedelta(0),
                    offset_to=after.utcoffset() or timedelta(0),
                    name=after.tzname() or "",
                    is_dst=bool(after.dst()),
                )
            )
        cursor = following
    return found


def _days_in_month(year: int, month: int) -> int:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - timedelta(days=1)).day


def _yearly_rule(onsets: list[datetime], last_year: int) -> dict[str, object] | None:
    """An RRULE for onsets that recur every year on the same n-th (or last) weekday and time."""
    first = onsets[0]
    if onsets[-1].year != last_year:
        return None  # the pattern ends inside the range: the zone changed its rules
    expected_years = list(range(first.year, last_year + 1))
    if [onset.year for onset in onsets] != expected_years:
        return None
    if any(
        (onset.month, onset.weekday(), onset.time()) != (first.month, first.weekday(), first.time())
        for onset in onsets
    ):
        return None
    weekday = _WEEKDAYS[first.weekday()]
    if all(onset.day + 7 > _days_in_month(onset.year, onset.month) for onset in onsets):
        return {"FREQ": "YEARLY", "BYMONTH": first.month, "BYDAY": f"-1{weekday}"}
    nths = {(onset.day - 1) // 7 + 1 for onset in onsets}
    if len(nths) == 1:
        return {"FREQ": "YEARLY", "BYMONTH": first.month, "BYDAY": f"{nths.pop()}{weekday}"}
    return None


def vtimezone(tz: ZoneInfo, first: datetime, last: datetime) -> Timezone:
    """A VTIMEZONE for ``tz`` valid from a year before ``first`` to a year after ``last``."""
    if tz.key is None:
        raise ValueError("the time zone needs a key (e.g. ZoneInfo('Europe/Copenhagen'))")
    begin = datetime(first.astimezone(UTC).year - 1, 1, 1, tzinfo=UTC)
    end = datetime(last.astimezone(UTC).year + 2, 1, 1, tzinfo=UTC)
    component = Timezone()
    component.add("tzid", tz.key)

    groups: dict[tuple[timedelta, timedelta, str, bool], list[_Transition]] = {}
    for transition in _transitions(tz, begin, end):
        key = (transition.offset_from, transition.offset_to, transition.name, transition.is_dst)
        groups.setdefault(key, []).append(transition)

    if not groups:
        # A zone without changes in the range: one observance from the start.
        offset = begin.astimezone(tz).utcoffset() or timedelta(0)
        standard = TimezoneStandard()
        standard.add("dtstart", begin.replace(tzinfo=None))
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        standard.add("tzname", begin.astimezone(tz).tzname() or tz.key)
        component.add_component(standard)
        return component

    for (offset_from, offset_to, name, is_dst), transitions in groups.items():
        onsets = [transition.onset_local for transition in transitions]
        observance = TimezoneDaylight() if is_dst else TimezoneStandard()
        observance.add("dtstart", onsets[0])
        rule = _yearly_rule(onsets, end.year - 1)
        if rule is not None:
            observance.add("rrule", rule)
        elif len(onsets) > 1:
            observance.add("rdate", onsets[1:])
        observance.add("tzoffsetfrom", offset_from)
        observance.add("tzoffsetto", offset_to)
        if name:
            observance.add("tzname", name)
        component.add_component(observance)
    return component


def ics_attachment(
    meeting: Meeting, tz: ZoneInfo, now: datetime, news: Sequence[NewsPost] = ()
) -> Attachment:
    """The meeting's calendar file, as it is now (a cancelled meeting's cancels the event)."""
    return Attachment(
        filename=f"klimanet-moede-{meeting.number}.ics",
        content=meeting_ics(meeting_event(meeting, news), tz, now=now),
        title=texts.calendar.calendar_file_title(meeting.number),
    )


def meeting_event(meeting: Meeting, news: Sequence[NewsPost] = ()) -> CalendarEvent:
    """The meeting as a calendar event: the same UID in its file and in every feed."""
    return CalendarEvent(
        uid=f"klimanet-meeting-{meeting.network_id}-{meeting.id}@klimanet.kl.dk",
        sequence=meeting.sequence,
        title=as_written(texts.calendar.calendar_title(meeting)),
        description=as_written(texts.calendar.calendar_description(meeting, news)),
        start_utc=meeting.starts_at,
        end_utc=meeting.ends_at,
        # Where to be: the address, the link, or both for a hybrid meeting. The link stays in
        # LOCATION too, where Outlook and Google offer to open it.
        location=as_written(texts.calendar.calendar_location(meeting)),
        url=meeting.link or None,
        cancelled=meeting.status == MeetingStatus.CANCELLED.value,
    )
