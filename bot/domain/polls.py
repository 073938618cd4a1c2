"""Polls with one vote per municipality (``afstemning``): the rules.

Each member municipality has ONE ballot per poll (``poll_ballots``' unique key); any of its
approved seat holders may cast or change it. Which municipality a vote counts for is read from
the voter's seat, never from what a button says; which option it is for must be an option of
the poll (the choices' composite foreign key says so too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import facilitator_ids, is_facilitator
from bot.domain.membership import member_codes
from bot.domain.seats.common import seat_of
from bot.models import (
    Municipality,
    Network,
    Person,
    Poll,
    PollBallot,
    PollChoice,
    PollOption,
    Seat,
    SeatKind,
    SeatStatus,
)

MIN_OPTIONS = 2
MAX_OPTIONS = 10
QUESTION_LIMIT = 300
OPTION_LIMIT = 75  # a button's text (Slack's limit; Teams' cards are roomier)


@dataclass(frozen=True, slots=True)
class PollDraft:
    question: str
    options: tuple[str, ...]
    closes_at: datetime
    multiple: bool = False


def check_draft(draft: PollDraft) -> None:
    """The rules of a poll's fields; the command and a form both come here."""
    if not draft.question.strip():
        raise DomainError(ErrorKind.POLL_QUESTION_MISSING)
    if len(draft.question) > QUESTION_LIMIT:
        raise DomainError(ErrorKind.TEXT_TOO_LONG, field="spørgsmål", limit=QUESTION_LIMIT)
    if not MIN_OPTIONS <= len(draft.options) <= MAX_OPTIONS:
        raise DomainError(
            ErrorKind.POLL_OPTIONS_COUNT,
            count=len(draft.options),
            low=MIN_OPTIONS,
            high=MAX_OPTIONS,
        )
    seen: set[str] = set()
    for option in draft.options:
        if not option.strip():
            raise DomainError(
                ErrorKind.POLL_OPTIONS_COUNT, count=0, low=MIN_OPTIONS, high=MAX_OPTIONS
            )
        if len(option) > OPTION_LIMIT:
            raise DomainError(ErrorKind.TEXT_TOO_LONG, field="svarmulighed", limit=OPTION_LIMIT)
        folded = " ".join(option.casefold().split())
        if folded in seen:
            raise DomainError(ErrorKind.POLL_OPTIONS_SAME, value=option)
        seen.add(folded)


def open_poll(
    session: Session, network: Network, draft: PollDraft, user_id: str, now: datetime
) -> Poll:
    """A new poll with the next number. Two facilitators opening at once: the unique number
    makes one transaction fail and retry with the next."""
    check_draft(draft)
    if draft.closes_at <= now:
        raise DomainError(ErrorKind.DATE_IN_PAST, value="")
    highest = session.scalar(select(func.max(Poll.number)).where(Poll.network_id == network.id))
    poll = Poll(
        network_id=network.id,
        number=(highest or 0) + 1,
        question=draft.question.strip(),
        multiple=draft.multiple,
        created_by=user_id,
        created_at=now,
        closes_at=draft.closes_at,
        version=1,
    )
    session.add(poll)
    session.flush()
    for position, label in enumerate(draft.options, 1):
        session.add(PollOption(poll_id=poll.id, position=position, label=label.strip()))
    session.flush()
    return poll


def get_poll(session: Session, network: Network, ref: str) -> Poll:
    """A poll by its number (``3``, ``#3``)."""
    text = ref.strip().lstrip("#")
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None
    poll = (
        session.scalars(
            select(Poll).where(Poll.network_id == network.id, Poll.number == number)
        ).one_or_none()
        if number is not None
        else None
    )
    if poll is None:
        raise DomainError(ErrorKind.POLL_UNKNOWN, ref=ref.strip())
    return poll


def poll_by_id(session: Session, network: Network, poll_id: int) -> Poll | None:
    poll = session.get(Poll, poll_id)
    return poll if poll is not None and poll.network_id == network.id else None


def is_open(poll: Poll, now: datetime) -> bool:
    return now < poll.closes_at


def ensure_open(poll: Poll, now: datetime) -> None:
    if not is_open(poll, now):
        raise DomainError(ErrorKind.POLL_CLOSED, number=poll.number, closed_at=poll.closes_at)


def options_of(session: Session, poll: Poll) -> list[PollOption]:
    return list(
        session.scalars(
            select(PollOption).where(PollOption.poll_id == poll.id).order_by(PollOption.position)
        )
    )


def close_now(poll: Poll, now: datetime) -> None:
    """``afstemning luk``: closed from now; posts planned for the old closing time go stale."""
    ensure_open(poll, now)
    poll.closes_at = now
    poll.version += 1


def extend(poll: Poll, closes_at: datetime, now: datetime) -> None:
    """``afstemning forlæng``: a later closing time for a poll that is still open."""
    ensure_open(poll, now)
    if closes_at <= poll.closes_at:
        raise DomainError(ErrorKind.POLL_NOT_LATER, number=poll.number, closes_at=poll.closes_at)
    poll.closes_at = closes_at
    poll.version += 1


def voting_municipality(session: Session, network: Network, person: Person) -> int:
    """The municipality ``person`` votes for: the one whose seat they hold, approved. Everyone
    else is told why they cannot vote."""
    seat = seat_of(session, network, person)
    if seat is not None and seat.status == SeatStatus.HELD.value:
        return seat.municipality_code
    if seat is not None:
        raise DomainError(ErrorKind.POLL_NOT_A_VOTER, why="pending")
    if is_facilitator(session, network, person.account):
        raise DomainError(ErrorKind.POLL_NOT_A_VOTER, why="facilitator")
    raise DomainError(ErrorKind.POLL_NOT_A_VOTER, why="no_seat")


@dataclass(frozen=True, slots=True)
class Cast:
    """What a vote did: the municipality's ballot (None: a multiple-choice ballot emptied),
    its choices now, whether anything changed, and who had cast it before."""

    municipality_code: int
    ballot_id: int | None
    revision: int
    chosen: tuple[int, ...]
    changed: bool
    first: bool
    previous_voter_id: int | None


def cast_vote(
    session: Session,
    network: Network,
    poll: Poll,
    option_id: int,
    person: Person,
    now: datetime,
    *,
    remove: bool = False,
) -> Cast:
    """The municipality of ``person`` votes for the option (single choice: instead of its
    earlier choice; multiple choice: besides, or ``remove`` it). The same vote again changes
    nothing, so a double click acts once."""
    ensure_open(poll, now)
    if option_id not in {o.id for o in options_of(session, poll)}:
        raise DomainError(ErrorKind.POLL_OPTION_UNKNOWN)
    code = voting_municipality(session, network, person)
    # PostgreSQL: hold the ballot's row, so racing holders of one municipality change it one
    # after the other (SQLite has one writer; the loser of a race retries and re-reads).
    ballot = session.scalars(
        select(PollBallot)
        .where(PollBallot.poll_id == poll.id, PollBallot.municipality_code == code)
        .with_for_update()
    ).one_or_none()
    before: set[int] = set()
    if ballot is not None:
        before = set(
            session.scalars(select(PollChoice.option_id).where(PollChoice.ballot_id == ballot.id))
        )
    if remove:
        after = before - {option_id}
    elif poll.multiple:
        after = before | {option_id}
    else:
        after = {option_id}
    previous = ballot.voter_person_id if ballot is not None else None
    if after == before:
        return Cast(
            code,
            ballot.id if ballot is not None else None,
            ballot.revision if ballot is not None else 0,
            tuple(sorted(before)),
            changed=False,
            first=False,
            previous_voter_id=previous,
        )
    if not after:  # a multiple-choice ballot with nothing left: the municipality has not voted
        assert ballot is not None
        session.delete(ballot)
        session.flush()
        return Cast(code, None, ballot.revision, (), True, False, previous)
    first = ballot is None
    if ballot is None:
        # The unique (poll, municipality) key: a racing first vote fails here and is retried,
        # then changes the ballot the other one made.
        ballot = PollBallot(
            poll_id=poll.id,
            municipality_code=code,
            voter_person_id=person.id,
            cast_at=now,
            revision=1,
        )
        session.add(ballot)
        session.flush()
    else:
        session.execute(delete(PollChoice).where(PollChoice.ballot_id == ballot.id))
        ballot.voter_person_id = person.id
        ballot.cast_at = now
        ballot.revision += 1
    for chosen in sorted(after):
        session.add(PollChoice(ballot_id=ballot.id, option_id=chosen, poll_id=poll.id))
    session.flush()
    return Cast(code, ballot.id, ballot.revision, tuple(sorted(after)), True, first, previous)


def holders_of(session: Session, network: Network, code: int) -> list[Person]:
    """The approved seat holders of a municipality, the coordinator first."""
    return list(
        session.scalars(
            select(Person)
            .join(Seat, Seat.holder_id == Person.id)
            .where(
                Seat.network_id == network.id,
                Seat.municipality_code == code,
                Seat.status == SeatStatus.HELD.value,
            )
            .order_by(Seat.kind, Seat.slot)
        )
    )


def coordinators_not_voted(
    session: Session, network: Network, poll: Poll
) -> list[tuple[Person, int]]:
    """(coordinator, municipality) of each member municipality that has not voted."""
    voted = voted_codes(session, poll)
    rows = session.execute(
        select(Person, Seat.municipality_code)
        .join(Seat, Seat.holder_id == Person.id)
        .where(
            Seat.network_id == network.id,
            Seat.kind == SeatKind.FIXED.value,
            Seat.status == SeatStatus.HELD.value,
        )
        .order_by(Seat.municipality_code)
    ).all()
    kl = set(facilitator_ids(session, network.id))
    return [(p, code) for p, code in rows if code not in voted and p.account not in kl]


def voted_codes(session: Session, poll: Poll) -> set[int]:
    return set(
        session.scalars(select(PollBallot.municipality_code).where(PollBallot.poll_id == poll.id))
    )


@dataclass(frozen=True, slots=True)
class Tally:
    """Totals only: how many municipalities chose each option, and the turnout."""

    counts: tuple[tuple[str, int], ...]  # (option, municipalities), in the options' order
    voted: int
    members: int  # the member municipalities, and those that voted and left since


def tally(session: Session, network: Network, poll: Poll) -> Tally:
    options = options_of(session, poll)
    per_option: dict[int, int] = {
        option_id: int(count)
        for option_id, count in session.execute(
            select(PollChoice.option_id, func.count())
            .where(PollChoice.poll_id == poll.id)
            .group_by(PollChoice.option_id)
        ).all()
    }
    voted = voted_codes(session, poll)
    return Tally(
        tuple((o.label, int(per_option.get(o.id, 0))) for o in options),
        len(voted),
        len(member_codes(session, network) | voted),
    )


@dataclass(frozen=True, slots=True)
class BallotRow:
    """One municipality's vote, for the facilitators' export."""

    municipality: str
    choices: tuple[str, ...]
    cast_at: datetime
    voter: str  # empty when the voter was erased


def ballots(session: Session, poll: Poll) -> list[BallotRow]:
    labels = {o.id: o.label for o in options_of(session, poll)}
    found = session.execute(
        select(PollBallot, Municipality.name, Person)
        .join(Municipality, Municipality.code == PollBallot.municipality_code)
        .outerjoin(Person, Person.id == PollBallot.voter_person_id)
        .where(PollBallot.poll_id == poll.id)
        .order_by(Municipality.name)
    ).all()
    rows = []
    for ballot, name, person in found:
        chosen = session.scalars(
            select(PollChoice.option_id).where(PollChoice.ballot_id == ballot.id)
        ).all()
        voter = "" if person is None or person.erased_at is not None else person.name
        rows.append(
            BallotRow(name, tuple(labels[c] for c in sorted(chosen)), ballot.cast_at, voter)
        )
    return rows


def polls_of(session: Session, network: Network) -> Sequence[Poll]:
    """Every poll, newest first."""
    return session.scalars(
        select(Poll).where(Poll.network_id == network.id).order_by(Poll.number.desc())
    ).all()
