"""What every part of the service shares: the settings, one transaction per call, the clock,
the people (with their chat profiles), and finding meetings by number or date."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, lazyload, make_transient_to_detached

from bot.db import SessionFactory, transaction
from bot.domain import meetings as meeting_domain
from bot.domain.digest import DigestTime
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.municipalities import MunicipalityDirectory
from bot.domain.registration import (
    Actor,
    get_network,
    person_and_seat,
    refresh_name,
    upsert_person,
)
from bot.domain.schedule import DEFAULT_SCHEDULE, Offset, parse_schedule
from bot.domain.timeparse import local_to_utc, parse_date
from bot.mentions import Mention
from bot.models import Meeting, MeetingStatus, Network, Person, Seat
from bot.ports import Clock, Profile, ProfileLookup
from bot.posts.planner import PlanConfig
from bot.service import inbound
from bot.service.parsing import Unresolved, ascii_number, is_next_meeting
from bot.texts.dates import format_when
from bot.texts.meetings import meeting_choice

log = logging.getLogger(__name__)

T = TypeVar("T")

TRANSACTION_ATTEMPTS = 4

# How many coming meetings an unknown meeting reference lists to pick from.
KNOWN_MEETINGS = 6


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """What the service needs from the configuration (``bot.config.Settings`` in production)."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Copenhagen"))
    schedule: dict[str, Offset] = field(default_factory=lambda: parse_schedule(DEFAULT_SCHEDULE))
    channel: str | None = None
    # "approval": registrations wait for a facilitator or the coordinator; "open": for trials.
    registration: str = "approval"
    offer_lifetime: timedelta = timedelta(hours=72)
    # The platform has an App Home to keep current (Slack): plan its republishing on changes.
    home_tab: bool = False
    # Data protection: how long personal data is kept, and what the privacy notice names.
    retention: timedelta = timedelta(days=730)
    controller: str | None = None
    privacy_contact: str | None = None
    legal_basis: str | None = None
    # Calendar feeds: the public base URL their links are built on, and whether this platform
    # answers HTTP at all (Socket Mode and the console do not).
    public_url: str | None = None
    serves_http: bool = False
    # KL's weekly digest (``KLIMANET_DIGEST``); None: off.
    digest: DigestTime | None = None
    # Nudges before a themed meeting (``KLIMANET_NUDGES``).
    nudges: bool = True


class Runner(Protocol):
    """Runs one unit of work in one transaction, with the network it is about."""

    def __call__(self, work: Callable[[Session, Network], T]) -> T: ...


# The network's row changes only when a replica starts (its channel); other replicas see such a
# change within this long, and every transaction in between saves a read.
NETWORK_CACHE_SECONDS = 60.0


class TransactionRunner:
    def __init__(self, sessions: SessionFactory, network_slug: str) -> None:
        self._sessions = sessions
        self._slug = network_slug
        self._network: tuple[Network, float] | None = None

    def _network_in(self, session: Session) -> Network:
        """The network, attached to ``session``: from a recent read without SQL, else read."""
        cached = self._network
        if cached is not None and monotonic() - cached[1] < NETWORK_CACHE_SECONDS:
            return session.merge(cached[0], load=False)
        network = get_network(session, self._slug)
        columns = {c.key: getattr(network, c.key) for c in sa_inspect(Network).column_attrs}
        copy = Network(**columns)
        make_transient_to_detached(copy)
        self._network = (copy, monotonic())
        return network

    def __call__(self, work: Callable[[Session, Network], T]) -> T:
        """Run ``work`` in one transaction; retry when a concurrent writer won a unique key.

        When the thread acts on an inbound request (``bot.service.inbound.Once``), its key is
        remembered in the same transaction, first: a replay is refused here (``AlreadyActedOn``)
        with nothing written, and a rolled-back action leaves no key behind.
        """
        once = inbound.acting()
        if once is not None:
            once.memory.purge_if_due()
        for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
            try:
                with transaction(self._sessions) as session:
                    if once is not None:
                        once.remember(session)
                    result = work(session, self._network_in(session))
                if once is not None:
                    once.remembered = True
                return result
            except (IntegrityError, OperationalError):
                # The retry re-reads and sees the winner's row, so it ends in a clear answer.
                if attempt == TRANSACTION_ATTEMPTS:
                    raise
                log.info("transaction conflict, retrying (attempt %d)", attempt, exc_info=True)
        raise AssertionError("unreachable")


class People:
    """People as the chat platform knows them: names from profiles, mentions resolved."""

    def __init__(self, profiles: ProfileLookup | None, clock: Clock) -> None:
        self._profiles = profiles
        self._clock = clock

    def profile(self, user_id: str) -> Profile | None:
        if self._profiles is None:
            return None
        try:
            return self._profiles(user_id)
        except Exception:  # the chat's profile is a nicety, never a blocker
            log.warning("profile lookup failed for %s", user_id, exc_info=True)
            return None

    def with_profile(self, actor: Actor) -> Actor:
        """The actor with the name and title of their profile, when there is one."""
        profile = self.profile(actor.user_id)
        if profile is None:
            return actor
        return replace(actor, name=profile.name or actor.name, title=profile.title or actor.title)

    def me(self, session: Session, actor: Actor) -> Person:
        """The acting person. A slash command carries a handle, not a name: the profile's name
        (cached by the adapter) is used when there is one."""
        profile = self.profile(actor.user_id)
        now = self._clock.now()
        if profile is not None and profile.name:
            return upsert_person(session, replace(actor, name=profile.name, title=""), now)
        return upsert_person(session, actor, now, update_name=False)

    def me_and_seat(
        self, session: Session, network: Network, actor: Actor
    ) -> tuple[Person, Seat | None]:
        """``me``, and the seat they hold in the network (None: none), read together."""
        person, seat = person_and_seat(session, network, actor)
        if person is None:
            return self.me(session, actor), None  # someone new holds no seat
        profile = self.profile(actor.user_id)
        if profile is not None and profile.name:
            refresh_name(
                person, Actor(actor.team_id, actor.user_id, profile.name, platform=actor.platform)
            )
        else:
            refresh_name(person, actor, update_name=False)
        return person, seat

    def mentioned(self, actor: Actor, mention: Mention | Unresolved | None, command: str) -> Actor:
        """The person a mention names, checked to be still in the workspace."""
        if mention is None:
            raise DomainError(ErrorKind.MENTION_MISSING, command=command)
        if isinstance(mention, Unresolved):
            raise DomainError(ErrorKind.MENTION_UNRESOLVED, value=mention.typed)
        profile = self.profile(mention.account)
        # Unknown name: leave it empty so a name we already know is not overwritten.
        name = profile.name if profile else ""
        if profile is not None and profile.deleted:
            raise DomainError(ErrorKind.TARGET_GONE, name=name)
        # Else the name the platform showed with the mention, when it gave one. The person
        # mentioned is on the same platform and workspace as who mentioned them.
        return replace(actor, user_id=mention.account, name=name or mention.name, title="")

    def upsert(self, session: Session, actor: Actor) -> Person:
        return upsert_person(session, actor, self._clock.now())


@dataclass(frozen=True)
class Context:
    run: Runner
    clock: Clock
    settings: ServiceSettings
    directory: MunicipalityDirectory
    people: People

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    @property
    def plan(self) -> PlanConfig:
        return PlanConfig(
            self.settings.schedule,
            self.settings.tz,
            self.settings.channel,
            nudges=self.settings.nudges,
        )

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.now().astimezone(self.tz).date()

    def when(self, at: datetime) -> str:
        return format_when(at, self.tz)

    def meeting(self, session: Session, network: Network, ref: str) -> Meeting:
        """A meeting by number (``12``, ``#12``), date as people write it (``25.06.2027``,
        ``14. januar``, ``14 jan``, ``14/1``) or ``næste møde``. The one place a meeting's
        reference is read: every command that names a meeting comes here."""
        ref = " ".join(ref.split())
        if not ref:
            raise DomainError(ErrorKind.MEETING_MISSING)
        number = ascii_number(ref.lstrip("#"), digits=6)
        if number is not None:
            try:
                return meeting_domain.get_meeting(session, network, number)
            except DomainError as err:
                if err.kind is not ErrorKind.MEETING_UNKNOWN:
                    raise
                raise self._unknown(session, network, str(err.params.get("ref", ref))) from None
        if is_next_meeting(ref):
            found_next = meeting_domain.next_meeting(session, network, self.now())
            if found_next is None:
                raise DomainError(ErrorKind.NO_UPCOMING_MEETING)
            return found_next
        try:
            day = parse_date(ref, today=self.today())
        except DomainError:
            raise self._unknown(session, network, ref) from None
        start = local_to_utc(day, time(0), self.tz)
        found = meeting_domain.meetings_on(session, network, start, start + timedelta(days=1))
        if not found:
            raise self._unknown(session, network, ref)
        if len(found) > 1:
            raise DomainError(
                ErrorKind.MEETING_AMBIGUOUS,
                ref=ref,
                numbers=[m.number for m in found],
                choices=[meeting_choice(m, self.tz) for m in found],
            )
        return found[0]

    def _unknown(self, session: Session, network: Network, ref: str) -> DomainError:
        """MEETING_UNKNOWN, with the coming meetings to pick from."""
        coming = meeting_domain.upcoming(session, network, self.now(), limit=KNOWN_MEETINGS)
        return DomainError(
            ErrorKind.MEETING_UNKNOWN,
            ref=ref,
            known=[
                meeting_choice(m, self.tz)
                for m in coming
                if m.status != MeetingStatus.CANCELLED.value
            ],
        )

    def meeting_or_next(self, session: Session, network: Network, ref: str) -> Meeting:
        """The meeting ``ref`` names, or the next one when no reference is given."""
        meeting = (
            self.meeting(session, network, ref)
            if ref.strip()
            else meeting_domain.next_meeting(session, network, self.now())
        )
        if meeting is None:
            raise DomainError(ErrorKind.NO_UPCOMING_MEETING)
        return meeting

    def meeting_by_id(self, session: Session, network: Network, meeting_id: int) -> Meeting:
        """A meeting a button names by its internal id."""
        meeting = session.scalars(_MEETING_BY_ID, {"meeting": meeting_id}).one_or_none()
        if meeting is None or meeting.network_id != network.id:
            raise DomainError(ErrorKind.MEETING_UNKNOWN, ref=str(meeting_id))
        return meeting


# The agenda loads when something reads it, not with every click that names a meeting; built
# once, as every click reads it.
_MEETING_BY_ID = (
    select(Meeting).where(Meeting.id == bindparam("meeting")).options(lazyload(Meeting.items))
)
