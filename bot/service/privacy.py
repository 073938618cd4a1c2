"""Data protection: ``privatliv`` (the privacy notice), ``mine-data`` (access), ``slet-mig`` and
``admin slet`` (erasure), a deactivated chat account, and the daily retention job.

Two operations are written once and shared: ``leave`` (the seat is released, open offers and
registrations end, and who needs to know is told) serves erasure and a deactivated account;
``pseudonymise`` (the person row becomes a pseudonym and their posts are forgotten) serves
erasure and retention.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Unpack

from sqlalchemy.orm import Session

from bot import texts
from bot.db import SessionFactory, flush_wal, try_job_lock
from bot.domain import privacy as domain
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import facilitator_ids, is_facilitator, require_facilitator
from bot.domain.registration import Actor
from bot.domain.seats.common import coordinator_of, seat_of
from bot.models import (
    ErasureCause,
    Network,
    Person,
    RequestStatus,
    Seat,
    SeatAction,
    SeatKind,
    SeatOffer,
    SeatStatus,
)
from bot.ports import Forget
from bot.posts import notices
from bot.posts import privacy as posts
from bot.replies import Action, Attachment, Button, Reply, Result, ResultKind
from bot.reports import REPORT_CACHE
from bot.service.approvals import Approvals
from bot.service.context import Context
from bot.service.parsing import Unresolved, mentions, tokens
from bot.service.succession import Succession

log = logging.getLogger(__name__)

# Sent posts keep their text and recipient this long, then only a tombstone.
TOMBSTONE_AFTER = timedelta(days=30)
# The advisory lock that keeps two replicas from running retention at once.
RETENTION_LOCK = 4712


@dataclass(frozen=True, slots=True)
class Erased:
    person_id: int | None  # the pseudonym's id (None: only posts or authorship were held)
    pseudonym: str
    user_id: str


@dataclass(frozen=True, slots=True)
class RetentionReport:
    people: int = 0  # pseudonymised because nothing happened for longer than the retention
    history: int = 0  # history rows that stopped naming anyone
    authors: int = 0  # meetings and news that stopped naming their author
    posts: int = 0  # finished posts reduced to a tombstone


class Privacy:
    def __init__(
        self,
        ctx: Context,
        approvals: Approvals,
        sessions: SessionFactory,
        forget: Forget | None = None,
        succession: Succession | None = None,
    ) -> None:
        self._ctx = ctx
        self._approvals = approvals
        self._succession = succession or Succession(ctx, approvals)
        self._sessions = sessions
        self._forget = forget

    # -- saying what it does ----------------------------------------------------------------

    def notice(self, actor: Actor, args: str) -> Reply:
        """``privatliv``: the privacy notice."""
        settings = self._ctx.settings
        return Reply(
            tuple(
                texts.privacy.privacy_notice(
                    settings.controller,
                    settings.privacy_contact,
                    settings.legal_basis,
                    settings.retention,
                )
            ),
            result=Result(ResultKind.PRIVACY_NOTICE),
        )

    # -- access -----------------------------------------------------------------------------

    def my_data(self, actor: Actor, args: str) -> Reply:
        """``mine-data``: everything held about the person, as a JSON file and a summary."""

        def work(session: Session, network: Network) -> domain.Held:
            person = domain.find_person(session, actor.platform, actor.team_id, actor.user_id)
            return domain.held_about(session, network, person, actor.user_id)

        held = self._ctx.run(work)
        if held.empty:
            return Reply((texts.privacy.my_data_nothing(),), result=Result(ResultKind.NOTHING_HELD))
        now = self._ctx.now()
        # Two files with one content: a document in Danish for the person, and the same as JSON
        # (English keys, UTC) for machines and for taking the data elsewhere.
        stem = f"klimanet-mine-data-{self._ctx.today().isoformat()}"
        filename, json_filename = f"{stem}.txt", f"{stem}.json"
        document = {
            "description": texts.privacy.my_data_file_description(now, self._ctx.tz),
            "generated_at": now.isoformat(),
            **held.as_dict(),
        }
        content = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        readable = texts.privacy.my_data_document(held, now, self._ctx.tz, json_filename)
        log.info("personal data sent to %s on request", actor.user_id)
        return Reply(
            tuple(texts.privacy.my_data_summary(held, self._ctx.tz, filename, json_filename)),
            attachment=Attachment(
                filename, readable.encode("utf-8"), texts.privacy.MY_DATA_FILE_TITLE
            ),
            more_files=(Attachment(json_filename, content, texts.privacy.MY_DATA_JSON_TITLE),),
            result=Result(
                ResultKind.MY_DATA,
                ids={
                    "history": len(held.history),
                    "offers": len(held.offers),
                    "attendance": len(held.attendance),
                    "waiting_posts": len(held.waiting_posts),
                },
            ),
        )

    # -- erasure ----------------------------------------------------------------------------

    def ask_erase(self, actor: Actor, args: str) -> Reply:
        """``slet-mig``: asks first, with a button that confirms."""

        def work(session: Session, network: Network) -> tuple[bool, str | None, bool]:
            if is_facilitator(session, network, actor.user_id):
                raise DomainError(ErrorKind.ERASE_FACILITATOR)
            person = domain.find_person(session, actor.platform, actor.team_id, actor.user_id)
            if person is None:
                return _held_without_person(session, actor.user_id), None, False
            seat = seat_of(session, network, person)
            if seat is None or seat.status != SeatStatus.HELD.value:
                return True, None, False  # a waiting registration just lapses: nobody is told
            label = texts.common.seat_label(SeatKind(seat.kind), seat.slot, definite=True)
            coordinator = seat.kind == SeatKind.FIXED.value
            name = self._ctx.directory.name_of(seat.municipality_code)
            return True, f"{label} i {name}", coordinator

        anything, seat, coordinator = self._ctx.run(work)
        if not anything:
            return Reply(
                (texts.privacy.nothing_to_erase(),), result=Result(ResultKind.NOTHING_HELD)
            )
        return Reply(
            (texts.privacy.confirm_erase(seat, coordinator),),
            buttons=(
                Button(texts.privacy.ERASE_BUTTON, Action.ERASE_CONFIRM, "erase", "danger"),
                Button(texts.privacy.KEEP_BUTTON, Action.ERASE_CANCEL, "keep"),
            ),
            result=Result(ResultKind.ERASE_ASKED),
        )

    def confirm_erase(self, actor: Actor) -> Reply:
        """The "Ja, slet mine data" button. A second click finds nothing and says so."""
        try:
            erased = self._erase(actor, ErasureCause.REQUEST)
        except DomainError as err:
            return Reply(
                (texts.errors.error(err),), replace_original=True, result=Result.refused(err.kind)
            )
        if erased is None:
            return Reply(
                (texts.privacy.nothing_to_erase(),),
                replace_original=True,
                result=Result(ResultKind.NOTHING_HELD),
            )
        return Reply(
            (texts.privacy.erased(self._ctx.now(), self._ctx.tz),),
            replace_original=True,
            result=Result(ResultKind.ERASED, ids=_ids(erased)),
        )

    def keep(self) -> Reply:
        return Reply(
            (texts.privacy.erase_kept(),),
            replace_original=True,
            result=Result(ResultKind.ERASE_KEPT),
        )

    def admin_erase(self, actor: Actor, args: str) -> Reply:
        """``admin slet @bruger [begrundelse]``: erasure asked for another way (by mail, by
        phone); the reason is kept with the erasure, so it must not name the person."""
        found, rest = mentions(tokens(args))
        if not found:
            raise DomainError(ErrorKind.MENTION_MISSING, command="admin slet")
        named = found[0]
        if isinstance(named, Unresolved):
            raise DomainError(ErrorKind.MENTION_UNRESOLVED, value=named.typed)
        self._ctx.run(lambda s, n: require_facilitator(s, n, actor.user_id))
        erased = self._erase(
            Actor(actor.team_id, named.account, "", platform=actor.platform),
            ErasureCause.FACILITATOR,
            by=actor,
            reason=" ".join(rest),
        )
        if erased is None:
            return Reply(
                (texts.privacy.admin_nothing_to_erase(),), result=Result(ResultKind.NOTHING_HELD)
            )
        return Reply(
            (texts.privacy.admin_erased(erased.pseudonym, self._ctx.now(), self._ctx.tz),),
            result=Result(ResultKind.ERASED, ids=_ids(erased)),
        )

    def _erase(
        self,
        whom: Actor,
        cause: ErasureCause,
        *,
        by: Actor | None = None,
        reason: str = "",
    ) -> Erased | None:
        """Everything, in one transaction; then what lives outside the database: the adapter's
        caches, the report cache, and (SQLite) the write-ahead log."""

        user_id = whom.user_id

        def work(session: Session, network: Network) -> Erased | None:
            now = self._ctx.now()
            if is_facilitator(session, network, user_id):
                raise DomainError(ErrorKind.ERASE_FACILITATOR)
            actor = self._ctx.people.me(session, by) if by is not None else None
            why = domain.Why(actor=actor, reason=reason)
            person = domain.find_person(session, whom.platform, whom.team_id, user_id)
            if person is None:
                if not _held_without_person(session, user_id):
                    return None
                domain.forget_author(session, user_id)
                posts.forget_recipient(session, None, user_id, {user_id: ""}, now)
                domain.record_erasure(session, network, now, cause, **why)
                return Erased(None, "", user_id)
            self.leave(session, network, person, now, SeatAction.ERASED, **why)
            self.pseudonymise(session, network, person, now, cause, **why)
            return Erased(person.id, person.name, user_id)

        erased = self._ctx.run(work)
        if erased is not None:
            self._after_erasure([erased.user_id])
            log.info("erased a person (pseudonym %s, cause %s)", erased.person_id, cause.value)
        return erased

    def _after_erasure(self, user_ids: list[str]) -> None:
        for user_id in user_ids:
            if self._forget is not None:
                self._forget(user_id)
        REPORT_CACHE.clear()  # pictures and exports may show names
        flush_wal(self._sessions)

    # -- the shared operations ----------------------------------------------------------------

    def leave(
        self,
        session: Session,
        network: Network,
        person: Person,
        now: datetime,
        action: SeatAction,
        **why: Unpack[domain.Why],
    ) -> domain.Vacated:
        """The person leaves at once; the coordinator and the facilitators hear that the seat
        is free, the messages of void offers and cancelled registrations are updated, and a
        coordinator's waiting registrations go to the facilitators."""
        vacated = domain.vacate(session, network, person, now, action, **why)
        if vacated.event_id is not None and vacated.was_held:
            assert vacated.municipality_code is not None
            coordinator = coordinator_of(session, network, vacated.municipality_code)
            facilitators = facilitator_ids(session, network.id)
            posts.seat_freed(session, vacated.event_id, coordinator, facilitators, now)
            if vacated.was_coordinator and vacated.seat_id is not None:
                self._succession.coordinator_left(
                    session, network, vacated.seat_id, vacated.event_id, now
                )
        for offer_id in vacated.offers:
            offer = session.get(SeatOffer, offer_id)
            assert offer is not None
            # Their own consent requests are deleted (erasure) or out of reach (deactivated).
            notices.offer_decided(session, offer, now, refresh=offer.to_person_id != person.id)
        for request_id in vacated.cancelled_requests:
            notices.approval_decided(
                session, request_id, RequestStatus.CANCELLED.value, person, now
            )
        for request_id in vacated.to_facilitators:
            self._approvals.ask(session, network, request_id, now)
        for meeting_id, seat_id in vacated.substitute_places:
            seat = session.get(Seat, seat_id)
            assert seat is not None
            coordinator = coordinator_of(session, network, seat.municipality_code)
            if coordinator is not None:
                notices.regrets_noticed(session, meeting_id, seat, person, coordinator, now)
        return vacated

    def pseudonymise(
        self,
        session: Session,
        network: Network,
        person: Person,
        now: datetime,
        cause: ErasureCause,
        **why: Unpack[domain.Why],
    ) -> str:
        """The person becomes a pseudonym, and the outbox forgets them; returns their former
        chat user id (for the caches, after the transaction)."""
        words = {person.account: "", person.name: domain.pseudonym_name(person.id)}
        if person.title:
            words[person.title] = ""
        user_id = domain.pseudonymise(session, network, person, now, cause, **why)
        posts.forget_recipient(session, person.id, user_id, words, now)
        return user_id

    # -- a chat account the workspace deactivated ----------------------------------------------

    def deactivated(self, whom: Actor) -> bool:
        """The workspace deactivated the account: the seat is released and who needs to know is
        told; the data then follows the retention rule. True if Klimanet knew the person."""

        user_id = whom.user_id

        def work(session: Session, network: Network) -> bool:
            person = domain.find_person(session, whom.platform, whom.team_id, user_id)
            if person is None:
                return False
            now = self._ctx.now()
            self.leave(session, network, person, now, SeatAction.DEACTIVATED)
            posts.cancel_waiting(session, person.id, user_id, "recipient deactivated")
            return True

        known = self._ctx.run(work)
        if known:
            log.info("released the seat of deactivated user %s", user_id)
        return known

    # -- retention ----------------------------------------------------------------------------

    def retention(self) -> RetentionReport:
        """The daily job: forget whoever has been idle longer than the retention period, let
        older history name nobody, and keep only tombstones of finished posts."""

        def work(session: Session, network: Network) -> tuple[RetentionReport, list[str]]:
            if not try_job_lock(session, RETENTION_LOCK):
                return RetentionReport(), []  # another replica is at it
            now = self._ctx.now()
            cutoff = now - self._ctx.settings.retention
            idle = domain.idle_people(session, cutoff)
            user_ids = [
                self.pseudonymise(session, network, person, now, ErasureCause.RETENTION)
                for person in idle
            ]
            report = RetentionReport(
                people=len(idle),
                history=domain.age_history(session, cutoff, now),
                authors=domain.forget_old_authors(session, cutoff),
                posts=posts.tombstone(session, now - TOMBSTONE_AFTER),
            )
            # Files behind adapters' links (Teams) that nobody can open any more.
            domain.drop_expired_files(session, now)
            return report, user_ids

        report, user_ids = self._ctx.run(work)
        if any((report.people, report.history, report.authors, report.posts)):
            self._after_erasure(user_ids)
        log.info(
            "retention: %d people pseudonymised, %d history rows and %d authors no longer "
            "named, %d posts kept as tombstones",
            report.people,
            report.history,
            report.authors,
            report.posts,
        )
        return report


def _held_without_person(session: Session, user_id: str) -> bool:
    """Someone with no person row may still be named by posts or as an author."""
    return posts.has_posts(session, user_id) or domain.authored_by(session, user_id)


def _ids(erased: Erased) -> dict[str, int]:
    return {"person": erased.person_id} if erased.person_id is not None else {}
