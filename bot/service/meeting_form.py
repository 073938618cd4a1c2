"""The meeting form, read field by field: every answer is checked on its own, so a form can
show all its problems at once (Slack's modal) or ask one question again at once (the console).

Pure: no database. The same reading makes the meeting from the form, so a field that passes
here is never refused later for its own content (only for what the database knows: who may
plan, which meeting is edited, what else is planned then).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.domain import meetings as meeting_domain
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.timeparse import local_to_utc, parse_date, parse_time
from bot.models import MeetingFormat
from bot.replies import MeetingField
from bot.service.parsing import FORMAT_WORDS, fold

DEFAULT_LENGTH = timedelta(hours=2)

T = TypeVar("T")

# The order the fields are asked in (the console) and shown in (the modal).
FIELD_ORDER = (
    MeetingField.TITLE,
    MeetingField.DATE,
    MeetingField.TIME,
    MeetingField.END,
    MeetingField.FORMAT,
    MeetingField.LINK,
    MeetingField.LOCATION,
    MeetingField.THEMES,
)

# Which field a rule of the meeting itself (``meeting_domain.check_draft``) speaks of.
_FIELD_OF_ERROR = {
    ErrorKind.TITLE_MISSING: MeetingField.TITLE,
    ErrorKind.TEXT_TOO_LONG: MeetingField.TITLE,
    ErrorKind.TIME_INVALID: MeetingField.TIME,
    ErrorKind.TIME_MISSING: MeetingField.TIME,
    ErrorKind.TIME_RANGE_INVALID: MeetingField.END,
    ErrorKind.FORMAT_MISSING: MeetingField.FORMAT,
    ErrorKind.LINK_MISSING: MeetingField.LINK,
    ErrorKind.LINK_INVALID: MeetingField.LINK,
    ErrorKind.ADDRESS_MISSING: MeetingField.LOCATION,
    ErrorKind.THEME_UNKNOWN: MeetingField.THEMES,
}


def field_of(err: DomainError, default: MeetingField) -> MeetingField:
    """The form field an error belongs next to."""
    return _FIELD_OF_ERROR.get(err.kind, default)


@dataclass(frozen=True, slots=True)
class MeetingForm:
    """What a facilitator filled in on the meeting form (raw, as typed or picked)."""

    title: str
    date: str
    start: str
    end: str
    format: str
    location: str = ""  # the address (physical and hybrid)
    themes: Sequence[str] = ()
    link: str = ""  # the video link (online and hybrid)
    # What the facilitator was warned of and saved anyway (``MeetingFormRequest.go_ahead``).
    go_ahead: str = ""


@dataclass(frozen=True, slots=True)
class FormReading:
    """The meeting the form describes, or what is wrong with it, by field."""

    draft: meeting_domain.MeetingDraft | None
    problems: dict[MeetingField, DomainError]


def _read(
    problems: dict[MeetingField, DomainError], field: MeetingField, read: Callable[[], T]
) -> T | None:
    try:
        return read()
    except DomainError as err:
        problems[field] = err
        return None


def _when(
    form: MeetingForm,
    problems: dict[MeetingField, DomainError],
    *,
    today: date,
    now: datetime,
    tz: ZoneInfo,
) -> tuple[datetime, datetime] | None:
    """The meeting's start and end, each of date, start and end checked on its own."""
    day = _read(problems, MeetingField.DATE, lambda: parse_date(form.date, today=today))
    if day is not None and day < today:
        problems[MeetingField.DATE] = DomainError(ErrorKind.DATE_IN_PAST, value=form.date.strip())
        day = None
    start = _read(problems, MeetingField.TIME, lambda: parse_time(form.start))
    end: time | None = None
    if form.end.strip():
        end = _read(problems, MeetingField.END, lambda: parse_time(form.end))
        if end is not None and start is not None and end <= start:
            problems[MeetingField.END] = DomainError(
                ErrorKind.TIME_RANGE_INVALID, value=f"{form.start}-{form.end}"
            )
            return None
    if day is None or start is None or MeetingField.END in problems:
        return None
    starts = local_to_utc(day, start, tz)
    ends = local_to_utc(day, end, tz) if end is not None else starts + DEFAULT_LENGTH
    if ends <= starts:  # a wall-clock end inside a DST change
        problems[MeetingField.END] = DomainError(ErrorKind.TIME_RANGE_INVALID, value=form.end)
        return None
    if starts <= now:  # today, at a time that has passed: the start is what to change
        problems[MeetingField.TIME] = DomainError(ErrorKind.DATE_IN_PAST, value=form.start)
        return None
    return starts, ends


def read_form(form: MeetingForm, *, today: date, now: datetime, tz: ZoneInfo) -> FormReading:
    """Every field of the form checked on its own; the meeting when all of them are right.

    The meeting's own rules (``meeting_domain.check_draft``: title, link, address) are the
    ones a one-line ``møde opret`` meets. Each is asked of a draft whose other parts are
    stand-ins that pass, so a bad link is reported alongside a bad date or title.
    """
    problems: dict[MeetingField, DomainError] = {}
    span = _when(form, problems, today=today, now=now, tz=tz)
    fmt = FORMAT_WORDS.get(fold(form.format.strip()))
    if fmt is None:  # never a silent default: "hybrid" once became online that way
        problems[MeetingField.FORMAT] = DomainError(ErrorKind.FORMAT_MISSING)
    tomorrow = now + timedelta(days=1)
    starts, ends = span or (tomorrow, tomorrow + DEFAULT_LENGTH)
    draft = meeting_domain.MeetingDraft(
        form.title,
        starts,
        ends,
        fmt or MeetingFormat.HYBRID,
        form.location,
        list(form.themes),
        form.link,
    )
    # Each rule asked with the other parts replaced by stand-ins that pass.
    checks = (
        (MeetingField.TITLE, replace(draft, link="https://-", location="-")),
        (MeetingField.LINK, replace(draft, title="-", location="-")),
        (MeetingField.LOCATION, replace(draft, title="-", link="https://-")),
    )
    for field, asked in checks:
        if field is not MeetingField.TITLE and fmt is None:
            continue  # whether a link or an address is needed depends on the format
        try:
            meeting_domain.check_draft(asked, now)
        except DomainError as err:
            problems.setdefault(field_of(err, field), err)
    if not problems:
        try:  # the whole meeting once more, as a one-line command would be checked
            meeting_domain.check_draft(draft, now)
        except DomainError as err:
            problems[field_of(err, MeetingField.TITLE)] = err
    return FormReading(None if problems else draft, problems)
