"""Platform-neutral answers. The service produces these; each chat adapter renders them.

Text is marked with the neutral vocabulary of ``bot.markup`` (bold, italic, bullet lists, links,
mentions, icons, the platform's words), which each adapter's renderer translates: Slack to mrkdwn,
the console to plain text, a Teams adapter to Markdown.

Text that a member typed or that comes from a profile is data, never markup: ``bot.texts``
wraps it with ``user_text`` where it is interpolated, and each adapter's renderer shows such a
span exactly as written (Slack: escaped for mrkdwn). Everything outside a span is the bot's own
markup, or a facilitator's text, which speaks for KL and keeps its links.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

from bot.domain.errors import ErrorKind

# The marked-text vocabulary lives in bot.markup; replies re-export what adapters and texts use.
from bot.markup import USER_END as USER_END
from bot.markup import USER_START as USER_START
from bot.markup import as_written as as_written
from bot.markup import spans as spans
from bot.markup import user_text as user_text
from bot.models import SeatKind


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that goes with a message (a meeting's calendar file, KL's map)."""

    filename: str
    content: bytes
    title: str
    # Marked text to send with the file where it lands (the map's counts by region).
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Posted:
    """Where a message landed, so it can be updated in place later."""

    channel: str
    ts: str


class ResultKind(StrEnum):
    """What a reply says happened, for adapters and tests to read without parsing Danish."""

    REFUSED = "refused"  # a rule said no; ``Result.error`` says which
    HELP = "help"
    UNKNOWN_COMMAND = "unknown_command"
    UNKNOWN_BUTTON = "unknown_button"
    REGISTERED = "registered"
    REGISTRATION_PENDING = "registration_pending"
    SEATS = "seats"
    NETWORK = "network"
    RELEASE_ASKED = "release_asked"
    RELEASED = "released"
    RELEASE_KEPT = "release_kept"
    HOME = "home"
    MEETINGS = "meetings"
    AGENDA = "agenda"
    CALENDAR = "calendar"
    MEETING_CREATED = "meeting_created"
    MEETING_UPDATED = "meeting_updated"
    MEETING_MOVED = "meeting_moved"
    MEETING_CANCELLED = "meeting_cancelled"
    AGENDA_CHANGED = "agenda_changed"
    NEWS_SAVED = "news_saved"
    OFFER_SENT = "offer_sent"
    OFFER_ACCEPTED = "offer_accepted"
    OFFER_DECLINED = "offer_declined"
    OFFER_WITHDRAWN = "offer_withdrawn"
    OFFERS_WITHDRAWN = "offers_withdrawn"
    REQUEST_APPROVED = "request_approved"
    REQUEST_REJECTED = "request_rejected"
    REGRETS_SAVED = "regrets_saved"
    ATTENDANCE_CONFIRMED = "attendance_confirmed"
    ROSTER = "roster"
    HISTORY = "history"
    ADMIN_SEAT_SET = "admin_seat_set"
    ADMIN_SEAT_FREED = "admin_seat_freed"
    OVERVIEW_MAP = "overview_map"  # ids: members, seats_filled, seats, pending
    OVERVIEW_ATTENDANCE = "overview_attendance"  # ids: members, meetings, to_call
    OVERVIEW_THEMES = "overview_themes"  # ids: members, themes
    EXPORTED = "exported"  # ids: rows
    HOME_LIST = "home_list"  # a whole list from an App Home "se alle" button
    PRIVACY_NOTICE = "privacy_notice"
    MY_DATA = "my_data"  # ids: counts of what was found
    NOTHING_HELD = "nothing_held"  # Klimanet holds nothing about the person
    ERASE_ASKED = "erase_asked"
    ERASED = "erased"  # ids: {"person": <the pseudonym's id>} when there was a person row
    ERASE_KEPT = "erase_kept"
    WAITING = "waiting"  # ``afventer``: what waits for the person's answer
    FIXED_SEAT_TAKEN = "fixed_seat_taken"  # ids: seat (the fixed seat), left (their old seat)
    MEETING_WARNING = "meeting_warning"  # a weekend or a busy time: go ahead or drop it
    MEETING_DROPPED = "meeting_dropped"
    # ``vikar`` without a seat when not exactly one seat sent regrets: which seat? (buttons)
    SUBSTITUTE_SEAT_ASKED = "substitute_seat_asked"  # ids: meeting (its number)
    # ``møde aflys``: the question first (ids: meeting, told, channel), or kept after all.
    MEETING_CANCEL_ASKED = "meeting_cancel_asked"
    MEETING_KEPT = "meeting_kept"
    # ``møde send``: announced without its link or address (ids: meeting, released).
    MEETING_SENT_WITHOUT_PLACE = "meeting_sent_without_place"
    THEMES_SHOWN = "themes_shown"  # ``fagområder``: the person's and the network's; ids: themes
    THEMES_SET = "themes_set"  # the person's fagområder saved; ids: themes (how many now)
    # Polls: opened (ids: poll, its number), a vote (ids: poll, municipality, changed 0/1),
    # closed early or extended (ids: poll), the list (ids: polls).
    POLL_OPENED = "poll_opened"
    POLL_VOTED = "poll_voted"
    POLL_CLOSED = "poll_closed"
    POLL_EXTENDED = "poll_extended"
    POLLS = "polls"
    # ``kalender abonner [netværk]`` / ``kalender nulstil``: ids: subscription (its row id)
    FEED_SUBSCRIBED = "feed_subscribed"
    FEED_EXISTS = "feed_exists"  # a live link exists; it cannot be shown again (only its hash)
    FEED_RESET = "feed_reset"  # ids: links (how many new links)
    FEED_UNAVAILABLE = "feed_unavailable"  # no public URL, or this platform answers no HTTP
    # The loop after a meeting. ids: meeting (its number), material (its id)
    MATERIAL_SAVED = "material_saved"
    # ``fremmøde``: the list (ids: meeting, listed, present), a mark changed (ids: meeting,
    # person, present: 1|0), the list confirmed (ids: meeting, present, confirmed: 1 new | 0)
    ATTENDANCE_LIST = "attendance_list"
    PRESENCE_MARKED = "presence_marked"
    PRESENCE_CONFIRMED = "presence_confirmed"
    FEEDBACK_SAVED = "feedback_saved"  # ids: meeting, rating
    FEEDBACK_SUMMARY = "feedback_summary"  # ids: meeting, count
    # A facilitator freed the seat of someone who left the network's place in the chat platform
    # (ids: person, seat, municipality), or there was none left to free (ids: person).
    DEPARTED_RELEASED = "departed_released"
    DEPARTED_NOTHING = "departed_nothing"
    # A button that opens a form, clicked where the platform has no such form: the command that
    # does the same (ids: meeting, for the feedback form).
    FORM_AS_COMMAND = "form_as_command"


@dataclass(frozen=True, slots=True)
class Result:
    """The structured outcome of a command or a click: its kind, the rule that refused it (if
    one did) and the internal ids involved, e.g. ``{"offer": 12}`` or ``{"meeting": 3}``."""

    kind: ResultKind
    error: ErrorKind | None = None
    ids: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def refused(cls, error: ErrorKind) -> Result:
        return cls(ResultKind.REFUSED, error)


# What a button may carry (Slack's limit); a value is never trusted, only read again.
MAX_BUTTON_VALUE = 2000


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action_id: str
    value: str
    style: Literal["primary", "danger"] | None = None
    # The section (by index) the button belongs under, when a reply lists several things that
    # each have their own buttons; None: below the whole message.
    under: int | None = None


@dataclass(frozen=True, slots=True)
class UserPick:
    """Pick a person (Slack: a users_select); ``block_id`` carries what the pick is for."""

    label: str
    action_id: str
    block_id: str
    placeholder: str
    # The command that does the same when typed, with the person left to fill in (``vikar 4
    # @kollega fleksibel 2``): where a platform has no picker, it says this instead.
    command: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to one person (ephemeral) or, when ``public``, to the channel."""

    sections: tuple[str, ...]
    buttons: tuple[Button, ...] = ()
    context: str | None = None
    public: bool = False
    replace_original: bool = False
    # A file for the person (e.g. a meeting's calendar file), delivered beside the answer.
    attachment: Attachment | None = None
    picks: tuple[UserPick, ...] = ()
    # More files after ``attachment``, in order (``mine-data``: the Danish document, then JSON).
    more_files: tuple[Attachment, ...] = ()
    # What happened, in a form tests and adapters read; posts carry none.
    result: Result | None = None

    @property
    def files(self) -> tuple[Attachment, ...]:
        """Every file for the person, in the order they are delivered."""
        first = (self.attachment,) if self.attachment is not None else ()
        return first + self.more_files

    @property
    def marked_text(self) -> str:
        """The whole message as one marked string (user text still marked): what an adapter
        renders for a notification fallback."""
        parts = list(self.sections)
        if self.context:
            parts.append(self.context)
        return "\n\n".join(parts)

    @property
    def text(self) -> str:
        """The whole message as written (user text unmarked), e.g. for tests and logs."""
        return as_written(self.marked_text)


@dataclass(frozen=True, slots=True)
class RegistrationFormRequest:
    """Open the registration form (a modal in Slack, prompts in the console)."""

    prefill_municipality: int | None = None
    prefill_kind: SeatKind | None = None
    title: str = ""
    themes: tuple[str, ...] = ()
    # The network's themes, in order: the only fagområder the form offers.
    theme_options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FormErrors:
    """Problems to show next to the form's fields (Slack: ``response_action: errors``)."""

    errors: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Form errors are plain text on every platform: user text in them is shown as written.
        object.__setattr__(
            self, "errors", {key: as_written(value) for key, value in self.errors.items()}
        )


@dataclass(frozen=True, slots=True)
class MeetingFormRequest:
    """Open the meeting form: empty to create, prefilled (with ``number``) to edit."""

    number: int | None = None
    title: str = ""
    date: date | None = None
    start: str = ""
    end: str = ""
    format: str = "online"
    location: str = ""  # the address (physical and hybrid)
    themes: tuple[str, ...] = ()
    # The network's themes, in order: what the form offers as the meeting's theme.
    theme_options: tuple[str, ...] = ()
    link: str = ""  # the video link (online and hybrid)
    # Shown at the top when the form comes back with a warning it can be saved despite;
    # ``go_ahead`` names that warning and comes back with the next submission.
    warning: str = ""
    go_ahead: str = ""


@dataclass(frozen=True, slots=True)
class ThemesFormRequest:
    """Open the form for one's fagområder: the network's list, the person's own checked."""

    themes: tuple[str, ...] = ()
    theme_options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PollFormRequest:
    """Open the poll form (``afstemning opret`` without more): the same fields as the command."""

    today: date | None = None  # the first day the closing date may be


@dataclass(frozen=True, slots=True)
class FeedbackFormRequest:
    """Open the feedback form for a meeting: a rating, a comment and whether to sign it, filled
    in with the person's answer so far."""

    meeting_id: int
    number: int
    meeting: str  # the meeting's name as people read it (plain text)
    rating: int | None = None
    comment: str = ""
    signed: bool = False


class FeedbackField(StrEnum):
    """Field ids of the feedback form."""

    RATING = "feedback_rating"
    COMMENT = "feedback_comment"
    SIGNED = "feedback_signed"


class PollField(StrEnum):
    """Field ids of the poll form."""

    QUESTION = "poll_question"
    OPTIONS = "poll_options"  # one option per line
    DATE = "poll_date"
    TIME = "poll_time"
    MULTIPLE = "poll_multiple"


Outcome = Reply | RegistrationFormRequest | MeetingFormRequest | PollFormRequest


class RegistrationField(StrEnum):
    """Field ids of the registration form, shared by the service and every form renderer."""

    MUNICIPALITY = "municipality"
    KIND = "kind"
    TITLE = "title"
    THEMES = "themes"


class MeetingField(StrEnum):
    """Field ids of the meeting form."""

    TITLE = "meeting_title"
    THEMES = "meeting_themes"
    DATE = "meeting_date"
    TIME = "meeting_time"
    END = "meeting_end"
    FORMAT = "meeting_format"
    LOCATION = "meeting_location"  # the address
    LINK = "meeting_link"


class Action(StrEnum):
    """Action ids of the buttons and selects the service puts on its replies."""

    RELEASE_CONFIRM = "release_confirm"
    RELEASE_CANCEL = "release_cancel"
    OFFER_ACCEPT = "offer_accept"
    OFFER_DECLINE = "offer_decline"
    OFFER_WITHDRAW = "offer_withdraw"
    REQUEST_APPROVE = "request_approve"
    REQUEST_REJECT = "request_reject"
    ATTEND_YES = "attend_yes"
    ATTEND_NO = "attend_no"
    PICK_SUBSTITUTE = "pick_substitute"
    SEE_ALL = "see_all"  # App Home: the whole of a shortened list (value: a HomeList)
    ERASE_CONFIRM = "erase_confirm"
    ERASE_CANCEL = "erase_cancel"
    # "Mente du …?": the value is the command completed with the municipality's code.
    PICK_MUNICIPALITY = "pick_municipality"
    # After a warning about a meeting's time: the value is the command, run anyway; or drop it.
    MEETING_GO_AHEAD = "meeting_go_ahead"
    MEETING_DROP = "meeting_drop"
    # "Which seat?" after ``vikar``: the value is the command completed with the seat.
    SUBSTITUTE_SEAT = "substitute_seat"
    # A municipality lost its coordinator: a holder of another seat takes the fixed seat.
    TAKE_FIXED_SEAT = "take_fixed_seat"
    # The question before a meeting is cancelled: the value is "<nr> [reason]"; or keep it.
    MEETING_CANCEL = "meeting_cancel"
    MEETING_KEEP = "meeting_keep"
    # A meeting whose link or address is missing: announce it without (value: its number).
    MEETING_SEND = "meeting_send"
    # Two meetings on the date given: the value is the command with the meeting's number.
    PICK_MEETING = "pick_meeting"
    # A poll's option (value "<poll id>:<option id>"): vote for it; on a multiple-choice
    # poll's answer, take it out of the municipality's vote again.
    POLL_VOTE = "poll_vote"
    POLL_UNVOTE = "poll_unvote"
    # After a meeting: mark a person as came / did not come (value "<meeting id>:<person id>"),
    # confirm the attendance (value: the meeting's id), rate the meeting (value "<id>:<1-5>").
    PRESENCE_TOGGLE = "presence_toggle"
    PRESENCE_CONFIRM = "presence_confirm"
    FEEDBACK_RATE = "feedback_rate"
    # A seat holder left the network's place in the chat platform: a facilitator frees their
    # seat (value: the person's internal id).
    DEPARTED_RELEASE = "departed_release"


class HomeAction(StrEnum):
    """App Home buttons that are not answered with a message: the platform handles them."""

    REGISTER = "home_register"  # opens the registration form, as ``/klimanet tilmeld`` does
    OPEN_PICTURE = "home_open_picture"  # a link button to the map's file; nothing to answer
    # Opens the form for one's fagområder (Slack: a modal; the console: a question). Also on
    # the answers to ``fagområder`` and ``tilmeld``.
    THEMES = "home_themes"
    # "Skriv en kommentar" on "Hvordan var mødet?" (value: the meeting's id): the feedback form.
    FEEDBACK_FORM = "feedback_form"
    # "Tilmeld en kollega" on a nudge (value "<municipality code>:flexible"): the registration
    # form with the municipality and the flexible seat filled in.
    REGISTER_PREFILLED = "register_prefilled"


class HomeList(StrEnum):
    """The lists on App Home that a "se alle" button shows in full."""

    REQUESTS = "requests"  # registrations waiting for the viewer's approval
    OFFERS = "offers"  # offers waiting for the viewer's answer
    ABSENT = "absent"  # member municipalities with nobody coming to the next meeting
    DELIVERIES = "deliveries"  # posts that failed or were missed


# -- the App Home tab -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HomeHeader:
    text: str  # plain text, no markup


@dataclass(frozen=True, slots=True)
class HomeSection:
    """Marked text, with the buttons and pickers that act on it."""

    text: str
    buttons: tuple[Button, ...] = ()
    picks: tuple[UserPick, ...] = ()
    context: str | None = None


@dataclass(frozen=True, slots=True)
class HomePicture:
    """A picture the service makes on request (the facilitators' map); ``key`` changes whenever
    what it shows changes, so a platform that keeps an uploaded copy knows when to replace it."""

    key: str
    title: str
    alt_text: str


HomePart = HomeHeader | HomeSection | HomePicture


@dataclass(frozen=True, slots=True)
class Home:
    """One person's App Home: what Klimanet is, and what is theirs to see and do, rendered from
    current data. A platform without a home tab may ignore it."""

    user_id: str
    parts: tuple[HomePart, ...]
    result: Result

    @property
    def text(self) -> str:
        """Everything it says, as written (for tests and logs)."""
        pieces: list[str] = []
        for part in self.parts:
            if isinstance(part, HomeHeader):
                pieces.append(part.text)
            elif isinstance(part, HomeSection):
                pieces.extend([part.text, *(b.label for b in part.buttons)])
                pieces.extend(p.label for p in part.picks)
                if part.context:
                    pieces.append(part.context)
            else:
                pieces.append(part.title)
        return as_written("\n".join(pieces))
