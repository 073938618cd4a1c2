"""Data protection through the service, on SQLite and PostgreSQL: access (``mine-data``),
erasure (``slet-mig``, ``admin slet``), a deactivated account, the privacy notice.

The erasure tests give one person unique sentinel values for Slack id, name and title, let them
do everything a member does (registration, approval, coordinating, offers, attendance, a failed
post, a facilitator naming them in a reason), erase them, and then search every column of every
table (and, on SQLite, the database files' bytes) for what is left.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.exc import DBAPIError

from bot.clock import FixedClock
from bot.db import SessionFactory, make_engine, make_session_factory
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor
from bot.markup import bold
from bot.models import (
    Erasure,
    Person,
    Seat,
    SeatEvent,
    SeatOffer,
    SeatRequest,
)
from bot.ports import Profile
from bot.replies import Action, Reply, ResultKind
from bot.service.klimanet import Klimanet, RegistrationForm, ServiceSettings
from jobs.delivery import Delivery, DeliveryConfig
from tests.support.actors import mention_of
from tests.support.privacy import (
    SENTINEL,
    SENTINEL_ID,
    SENTINEL_NAME,
    SENTINEL_TITLE,
    TEAM,
    Recorder,
    file_leftovers,
    leftovers,
)
from tests.support.seats import pending_request_of
from tests.support.service import network_id

FACILITATOR = Actor(TEAM, "UFACIL01", "Sara Røpke")
BO, DORTE, EVA, CARL = (
    Actor(TEAM, f"U0{name.upper()}", name) for name in ("Bo", "Dorte", "Eva", "Carl")
)
PROFILES = {a.user_id: Profile(a.name, a.title) for a in (SENTINEL, BO, DORTE, EVA, CARL)}
PROFILES[FACILITATOR.user_id] = Profile(FACILITATOR.name)
MEETING = 'møde opret 21.12.2026 10:00-12:00 online "Vintermøde" tema=affald link=https://teams.microsoft.com/l/klimanet'
AARHUS = 751
# No pause between posts to one channel: these tests are not about Slack's rate limit.
FAST = DeliveryConfig(per_channel_interval=0)


def new_service(sessions: SessionFactory, clock: FixedClock, forgotten: list[str]) -> Klimanet:
    service = Klimanet(
        sessions,
        default_directory(),
        clock,
        profiles=PROFILES.get,
        settings=ServiceSettings(channel="C0NET", registration="approval"),
        forget=forgotten.append,
    )
    service.make_facilitator(FACILITATOR.user_id)
    return service


@dataclass
class World:
    service: Klimanet
    delivery: Delivery
    recorder: Recorder
    clock: FixedClock
    sessions: SessionFactory
    forgotten: list[str]

    def say(self, actor: Actor, line: str) -> Reply:
        outcome = self.service.command(actor, line)
        assert isinstance(outcome, Reply), outcome
        return outcome

    def click(self, actor: Actor, action: str, value: object = "") -> Reply:
        return self.service.click(actor, action, str(value))

    def deliver(self, at: datetime | None = None) -> None:
        if at is not None:
            self.clock.set(at)
        self.delivery.drain()

    def scalar(self, query: object) -> object:
        with self.sessions() as session:
            return session.scalar(query)  # type: ignore[call-overload]


@pytest.fixture
def world(sessions: SessionFactory, clock: FixedClock) -> Iterator[World]:
    forgotten: list[str] = []
    recorder = Recorder()
    service = new_service(sessions, clock, forgotten)
    delivery = Delivery(
        sessions, recorder, clock, service.settings.tz, network_id=network_id(sessions), config=FAST
    )
    try:
        yield World(service, delivery, recorder, clock, sessions, forgotten)
    finally:
        delivery.close()


def latest(world: World, model: type) -> int:
    return int(world.scalar(select(func.max(model.id))) or 0)  # type: ignore[attr-defined]


def live_a_little(world: World) -> None:
    """Everything a coordinator does, with posts delivered on the way."""
    form = RegistrationForm(AARHUS, None, title=SENTINEL_TITLE, themes=["Affald"])
    answer = world.service.submit_registration_form(SENTINEL, form)
    assert isinstance(answer, Reply) and answer.result is not None
    assert answer.result.kind is ResultKind.REGISTRATION_PENDING
    world.recorder.fail_first_post_to = SENTINEL_ID  # a failed post names them to facilitators
    approved = world.click(FACILITATOR, Action.REQUEST_APPROVE, latest(world, SeatRequest))
    assert approved.result is not None and approved.result.kind is ResultKind.REQUEST_APPROVED
    assert world.say(FACILITATOR, MEETING).result.kind is ResultKind.MEETING_CREATED  # type: ignore[union-attr]
    world.deliver()
    # Bo's registration waits for the coordinator: an approval request to the sentinel.
    assert world.say(BO, "tilmeld Aarhus").result.kind is ResultKind.REGISTRATION_PENDING  # type: ignore[union-attr]
    # The coordinator offers the fixed seat to Dorte; Dorte's consent request names them.
    offered = world.say(SENTINEL, f"overdrag {mention_of(DORTE.user_id, 'dorte')}")
    assert offered.result is not None and offered.result.kind is ResultKind.OFFER_SENT
    # A facilitator names them in a reason, in the history and in Eva's notice.
    reason = f'"Aftalt med {SENTINEL_NAME} ({SENTINEL_TITLE}, {SENTINEL_ID})"'
    admin = world.say(
        FACILITATOR, f"admin plads Aarhus fleksibel 2 {mention_of(EVA.user_id, 'eva')} {reason}"
    )
    assert admin.result is not None and admin.result.kind is ResultKind.ADMIN_SEAT_SET
    world.deliver()
    world.deliver(datetime(2026, 12, 7, 8, 0, tzinfo=UTC))  # the announcement to the coordinator
    world.deliver(datetime(2026, 12, 18, 8, 0, tzinfo=UTC))  # "Kommer du stadig?"
    meeting_id = 1
    assert (
        world.click(SENTINEL, Action.ATTEND_YES, meeting_id).result.kind
        is ResultKind.ATTENDANCE_CONFIRMED
    )  # type: ignore[union-attr]
    regrets = world.say(EVA, "afbud 1")  # the coordinator is asked for a substitute
    assert regrets.result is not None and regrets.result.kind is ResultKind.REGRETS_SAVED
    world.deliver()
    assert world.recorder.to(SENTINEL_ID), "the sentinel got direct messages"
    assert leftovers_of(world), "the sentinel's data is in the database before the erasure"


def leftovers_of(world: World) -> list[str]:
    engine = world.sessions.kw["bind"]
    assert isinstance(engine, Engine)
    return leftovers(engine)


def erase(world: World) -> Reply:
    asked = world.say(SENTINEL, "slet-mig")
    assert asked.result is not None and asked.result.kind is ResultKind.ERASE_ASKED
    assert [b.action_id for b in asked.buttons] == [Action.ERASE_CONFIRM, Action.ERASE_CANCEL]
    done = world.click(SENTINEL, asked.buttons[0].action_id, asked.buttons[0].value)
    world.deliver()
    return done


def test_after_slet_mig_the_sentinels_are_nowhere(world: World) -> None:
    live_a_little(world)
    dms = world.recorder.to(SENTINEL_ID)
    done = erase(world)
    assert done.result is not None and done.result.kind is ResultKind.ERASED
    assert done.replace_original and "slettet fredag den 18. december 2026" in done.text
    assert leftovers_of(world) == []
    # Their direct messages were deleted in the chat, and the adapter forgot them.
    assert set(world.recorder.deleted) == set(dms)
    assert world.forgotten == [SENTINEL_ID]
    # The history keeps the events under the pseudonym.
    pseudonym = done.result.ids["person"]
    history = world.say(FACILITATOR, "historik Aarhus").text
    assert f"slettet efter anmodning – Slettet bruger {pseudonym}" in history
    assert f"anmodet om plads – Slettet bruger {pseudonym}" in history


def test_erasure_frees_the_seat_and_tells_who_needs_to_know(world: World) -> None:
    live_a_little(world)
    bo_request = int(
        world.scalar(select(SeatRequest.id).where(SeatRequest.status == "pending"))  # type: ignore[arg-type]
    )
    offer = latest(world, SeatOffer)
    before = len(world.recorder.texts_to(FACILITATOR.user_id))
    erase(world)
    # The coordinator is gone: the facilitators hear that the fixed seat is free, and Bo's
    # registration that waited for the coordinator is theirs to decide now.
    told = world.recorder.texts_to(FACILITATOR.user_id)[before:]
    assert any("Den faste plads i Aarhus er ledig" in t for t in told), told
    assert any("vil have den fleksible plads 1" in t for t in told), told
    with world.sessions() as session:
        request = session.get(SeatRequest, bo_request)
        assert request is not None and request.approver == "facilitator"
        assert request.status == "pending"
        assert session.get(SeatOffer, offer).status == "void"  # type: ignore[union-attr]
        fixed = session.scalars(
            select(Seat).where(Seat.municipality_code == AARHUS, Seat.kind == "fixed")
        ).one()
        assert fixed.holder_id is None
    # Dorte's consent request is updated as for any void offer.
    assert any("bortfaldet" in reply.text for _, reply in world.recorder.updates)
    assert (
        world.click(FACILITATOR, Action.REQUEST_APPROVE, bo_request).result.kind
        is ResultKind.REQUEST_APPROVED
    )  # type: ignore[union-attr]


def test_erasure_is_recorded_and_a_second_click_finds_nothing(world: World) -> None:
    live_a_little(world)
    erase(world)
    again = world.click(SENTINEL, Action.ERASE_CONFIRM, "erase")
    assert again.result is not None and again.result.kind is ResultKind.NOTHING_HELD
    assert world.say(SENTINEL, "mine-data").result.kind is ResultKind.NOTHING_HELD  # type: ignore[union-attr]
    with world.sessions() as session:
        (erasure,) = session.scalars(select(Erasure)).all()
        assert (erasure.cause, erasure.actor_id, erasure.reason) == ("request", None, "")
        person = session.get(Person, erasure.person_id)
        assert person is not None and person.erased_at is not None
        assert (person.workspace, person.title, person.themes) == ("", "", [])


def test_coming_back_after_erasure_is_a_new_person(world: World) -> None:
    live_a_little(world)
    erased = erase(world).result
    assert erased is not None
    again = world.say(SENTINEL, "tilmeld Odense")
    assert again.result is not None and again.result.kind is ResultKind.REGISTRATION_PENDING
    with world.sessions() as session:
        person = session.scalars(select(Person).where(Person.account == SENTINEL_ID)).one()
        assert person.id != erased.ids["person"]


def test_keep_button_erases_nothing(world: World) -> None:
    assert world.say(SENTINEL, "tilmeld Aarhus").result.kind is ResultKind.REGISTRATION_PENDING  # type: ignore[union-attr]
    kept = world.click(SENTINEL, Action.ERASE_CANCEL, "keep")
    assert kept.result is not None and kept.result.kind is ResultKind.ERASE_KEPT
    assert leftovers_of(world)


def test_nothing_held_is_said_so(world: World) -> None:
    for line in ("mine-data", "slet-mig"):
        answer = world.say(CARL, line)
        assert answer.result is not None and answer.result.kind is ResultKind.NOTHING_HELD
        assert "ingen oplysninger om dig" in answer.text
    # Asking stored nothing.
    assert (
        world.scalar(select(func.count()).select_from(Person).where(Person.account == CARL.user_id))
        == 0
    )


def test_mine_data_is_a_json_file_and_a_danish_summary(world: World) -> None:
    live_a_little(world)
    world.say(FACILITATOR, "admin plads Aarhus fleksibel 2")
    # An approval request for the coordinator, not sent yet.
    assert world.say(CARL, "tilmeld Aarhus").result.kind is ResultKind.REGISTRATION_PENDING  # type: ignore[union-attr]
    answer = world.say(SENTINEL, "mine-data")
    assert answer.result is not None and answer.result.kind is ResultKind.MY_DATA
    readable, machine = answer.files
    assert readable.filename == "klimanet-mine-data-2026-12-18.txt"
    assert machine.filename == "klimanet-mine-data-2026-12-18.json"
    data = json.loads(machine.content.decode("utf-8"))
    assert data["person"] == {
        "platform": SENTINEL.platform,
        "workspace": TEAM,
        "account": SENTINEL_ID,
        "name": SENTINEL_NAME,
        "title": SENTINEL_TITLE,
        "themes": ["Affald"],
        "known_since": "2026-11-27T09:00:00+00:00",
    }
    assert [(s["municipality"], s["kind"], s["status"]) for s in data["seats"]] == [
        ("Aarhus", "fixed", "held")
    ]
    assert {"requested", "approved", "offered"} <= {h["action"] for h in data["history"]}
    assert [(o["kind"], o["your_part"], o["status"]) for o in data["offers"]] == [
        ("handover", "offered", "pending")
    ]
    assert [(a["role"], a["status"]) for a in data["attendance"]] == [("holder", "confirmed")]
    assert any(r["your_part"] == "decided" for r in data["requests"]) is False
    assert data["waiting_posts"] == [
        {"kind": "approval", "due_at": "2026-12-18T08:00:00+00:00", "meeting_id": None}
    ]
    sent = {p["kind"] for p in data["sent_posts"]}
    assert {"approval", "announce_dm", "confirm_dm", "regrets_notice"} <= sent, sent
    # Nobody else's name is in it: Dorte is only "offered_to_you"'s other side.
    assert "Dorte" not in machine.content.decode("utf-8")
    assert "Dorte" not in readable.content.decode("utf-8")
    # The same, for people: Danish keys and values, Danish local time with the zone named.
    document = readable.content.decode("utf-8")
    assert document.startswith("Dine data i Klimanet")
    assert "Alle tider er dansk tid (Europe/Copenhagen)" in document
    assert "klimanet-mine-data-2026-12-18.json" in document.split("\n\n")[1]  # at the top
    assert f"Navn: {SENTINEL_NAME}" in document and "Fagområder: Affald" in document
    assert "Kendt af Klimanet siden: fredag den 27. november 2026 kl. 10.00 (CET)" in document
    assert "Plads: fast plads i Aarhus" in document and "Status: besat (godkendt)" in document
    assert "Hændelse: anmodet om plads" in document and "Slags: overdragelse" in document
    assert "Svar: bekræftet" in document and "Mødet begynder: mandag den 21. december" in document
    for machine_word in ("account", "known_since", "fixed", "held", "handover", "+00:00"):
        assert machine_word not in document, machine_word
    summary = answer.text
    assert f"dit navn {SENTINEL_NAME} ({SENTINEL_TITLE})" in summary
    assert "siden fredag den 27. november 2026" in summary
    assert "din plads: den faste plads i Aarhus" in summary
    assert bold("Hvorfor:") in answer.sections[1]  # a heading
    assert answer.result.ids["attendance"] == 1


def test_admin_slet_records_the_reason_and_is_for_facilitators(world: World) -> None:
    live_a_little(world)
    refused = world.say(BO, f"admin slet {mention_of(SENTINEL_ID, 'x')} Anmodning pr. mail")
    assert refused.result is not None and refused.result.error is not None
    assert refused.result.error.value == "not_facilitator"
    done = world.say(
        FACILITATOR, f"admin slet {mention_of(SENTINEL_ID, 'x')} Anmodning pr. mail 3. marts"
    )
    assert done.result is not None and done.result.kind is ResultKind.ERASED
    world.deliver()
    assert leftovers_of(world) == []
    with world.sessions() as session:
        (erasure,) = session.scalars(select(Erasure)).all()
        assert erasure.cause == "facilitator"
        assert erasure.reason == "Anmodning pr. mail 3. marts"
        facilitator = session.get(Person, erasure.actor_id)
        assert facilitator is not None and facilitator.account == FACILITATOR.user_id
        event = session.scalars(select(SeatEvent).where(SeatEvent.action == "erased")).one()
        assert event.reason == "Anmodning pr. mail 3. marts"
    history = world.say(FACILITATOR, "historik Aarhus").text
    assert "slettet efter anmodning" in history and "Begrundelse: Anmodning pr. mail" in history
    again = world.say(FACILITATOR, f"admin slet {mention_of(SENTINEL_ID, 'x')}")
    assert again.result is not None and again.result.kind is ResultKind.NOTHING_HELD


def test_a_configured_facilitator_is_not_erased(world: World) -> None:
    world.say(FACILITATOR, MEETING)
    for answer in (
        world.say(FACILITATOR, "slet-mig"),
        world.click(FACILITATOR, Action.ERASE_CONFIRM, "erase"),
        world.say(FACILITATOR, f"admin slet {mention_of(FACILITATOR.user_id, 'sara')}"),
    ):
        assert answer.result is not None and answer.result.error is not None
        assert answer.result.error.value == "erase_facilitator"
        assert "KLIMANET_ADMINS" in answer.text


def test_a_former_facilitator_without_a_person_row_is_erased_from_meetings_and_posts(
    world: World, sessions: SessionFactory
) -> None:
    former = Actor(TEAM, "UFORMER1", "Tidligere")
    world.service.make_facilitator(former.user_id)
    assert world.say(former, MEETING).result.kind is ResultKind.MEETING_CREATED  # type: ignore[union-attr]
    world.say(former, "nyt Klimaudspillet er ude")
    with sessions.begin() as session:
        session.execute(text("DELETE FROM network_facilitators WHERE user_id = 'UFORMER1'"))
        session.execute(text("DELETE FROM people WHERE account = 'UFORMER1'"))
    held = world.say(former, "mine-data")
    assert held.result is not None and held.result.kind is ResultKind.MY_DATA
    assert held.attachment is not None and b"Klimaudspillet" in held.attachment.content
    asked = world.say(former, "slet-mig")
    assert asked.result is not None and asked.result.kind is ResultKind.ERASE_ASKED
    done = world.click(former, Action.ERASE_CONFIRM, "erase")
    assert done.result is not None and done.result.kind is ResultKind.ERASED
    engine = sessions.kw["bind"]
    assert leftovers(engine, {"UFORMER1"}) == []


def test_history_is_append_only_except_for_pseudonymisation(engine: Engine) -> None:
    """The triggers still refuse deletes and edits; only pointing a row at a pseudonym and
    blanking its reason pass."""
    service = Klimanet(
        make_session_factory(engine),
        default_directory(),
        FixedClock(datetime(2026, 11, 27, 9, tzinfo=UTC)),
        settings=ServiceSettings(registration="open"),
    )
    service.command(BO, "tilmeld Aarhus")
    service.command(DORTE, "tilmeld Aarhus")
    edits = {
        "DELETE FROM seat_events": False,
        "UPDATE seat_events SET action = 'released'": False,
        "UPDATE seat_events SET reason = 'x'": False,
        "UPDATE seat_events SET person_id = NULL": False,
        "UPDATE seat_events SET person_id = (SELECT max(id) FROM people)": False,
        "UPDATE seat_events SET reason = ''": True,
    }
    for statement, allowed in edits.items():
        with engine.connect() as connection:
            try:
                connection.execute(text(statement))
                connection.commit()
                assert allowed, f"{statement} was allowed"
            except DBAPIError as error:
                assert not allowed, f"{statement} was refused: {error}"
    with engine.begin() as connection:
        connection.execute(
            update(Person)
            .where(Person.account == DORTE.user_id)
            .values(erased_at=datetime.now(UTC))
        )
        connection.execute(text("UPDATE seat_events SET person_id = (SELECT max(id) FROM people)"))


def test_the_privacy_notice_says_who_why_what_how_long_and_the_rights(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    from datetime import timedelta

    service = Klimanet(
        sessions,
        default_directory(),
        clock,
        settings=ServiceSettings(
            retention=timedelta(days=730),
            controller="KL, Weidekampsgade 10, 2300 København S",
            privacy_contact="dpo@kl.dk",
        ),
    )
    answer = service.command(BO, "privatliv")
    assert isinstance(answer, Reply) and answer.result is not None
    assert answer.result.kind is ResultKind.PRIVACY_NOTICE
    notice = answer.text
    for expected in (
        "\nDataansvarlig: KL, Weidekampsgade 10, 2300 København S",
        "dpo@kl.dk",
        "\n\nFormål:",
        "fra din chatprofil",  # the platform named by the renderer: neutral here
        "\n\nRetsgrundlag:",
        "litra f",
        "i 2 år",
        "`/klimanet mine-data`",
        "`/klimanet slet-mig`",
        "Datatilsynet",
    ):
        assert expected in notice, expected
    help_text = service.command(BO, "hjælp")
    assert isinstance(help_text, Reply)
    for command in ("privatliv", "mine-data", "slet-mig", "admin slet"):
        assert f"/klimanet {command}" in help_text.text
    assert "nævn ikke personen i begrundelsen" in help_text.text


def test_registration_answers_and_form_point_to_the_privacy_notice(
    world: World, sessions: SessionFactory, clock: FixedClock
) -> None:
    from bot import texts

    assert "`/klimanet privatliv`" in texts.registration.FORM_INTRO
    pending = world.say(BO, "tilmeld Aarhus")
    assert pending.context is not None and "/klimanet privatliv" in pending.context
    open_service = Klimanet(
        sessions, default_directory(), clock, settings=ServiceSettings(registration="open")
    )
    registered = open_service.command(DORTE, "tilmeld Odense")
    assert isinstance(registered, Reply) and registered.context is not None
    assert "/klimanet privatliv" in registered.context


@pytest.fixture
def sqlite_file(sqlite_template: Path, tmp_path: Path) -> Path:
    import shutil

    path = tmp_path / "db" / "klimanet.db"
    path.parent.mkdir()
    shutil.copy(sqlite_template, path)
    return path


def test_sqlite_files_keep_no_bytes_of_an_erased_person(sqlite_file: Path) -> None:
    engine = make_engine(f"sqlite:///{sqlite_file}")
    sessions = make_session_factory(engine)
    clock = FixedClock(datetime(2026, 11, 27, 9, tzinfo=UTC))
    forgotten: list[str] = []
    recorder = Recorder()
    service = new_service(sessions, clock, forgotten)
    delivery = Delivery(
        sessions, recorder, clock, service.settings.tz, network_id=network_id(sessions), config=FAST
    )
    try:
        world = World(service, delivery, recorder, clock, sessions, forgotten)
        live_a_little(world)
        assert file_leftovers(sqlite_file), "the sentinels are in the files before the erasure"
        erase(world)
        # Read while the bot still runs: nothing waits for a clean shutdown.
        assert file_leftovers(sqlite_file) == []
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
    finally:
        delivery.close()
        engine.dispose()


def test_an_erased_substitute_leaves_the_seat_free_and_the_coordinator_is_asked(
    world: World,
) -> None:
    trial = Klimanet(
        world.sessions,
        default_directory(),
        world.clock,
        profiles=PROFILES.get,
        settings=ServiceSettings(channel="C0NET", registration="open"),
    )
    for actor in (BO, EVA):
        trial.command(actor, "tilmeld Aarhus")
    world.say(FACILITATOR, MEETING)
    world.say(BO, f"vikar 1 {mention_of(SENTINEL_ID, 's')} fleksibel 2")
    world.click(SENTINEL, Action.OFFER_ACCEPT, latest(world, SeatOffer))
    world.say(
        BO, f"vikar 1 {mention_of(DORTE.user_id, 'd')} fleksibel 1"
    )  # open when the sentinel goes
    world.say(DORTE, f"vikar 1 {mention_of(SENTINEL_ID, 's')} fleksibel 1")  # refused: not a holder
    world.deliver()
    assert "Zørbløk" in world.say(BO, "deltagere 1").text
    erase(world)
    roster = world.say(BO, "deltagere 1").text
    assert "Zørbløk" not in roster and "Slettet bruger" in roster
    with world.sessions() as session:
        attendance = session.execute(text("SELECT role, status FROM attendance")).all()
        assert attendance == [("substitute", "declined")]
    # The coordinator is asked for another substitute, as after regrets.
    assert any("afbud" in t for t in world.recorder.texts_to(BO.user_id)), world.recorder.texts_to(
        BO.user_id
    )
    assert leftovers_of(world) == []


def test_an_offer_to_someone_erased_becomes_void_and_the_offerer_is_told(world: World) -> None:
    trial = Klimanet(
        world.sessions,
        default_directory(),
        world.clock,
        profiles=PROFILES.get,
        settings=ServiceSettings(channel="C0NET", registration="open"),
    )
    trial.command(BO, "tilmeld Aarhus")
    world.say(BO, f"overdrag {mention_of(SENTINEL_ID, 's')}")
    world.deliver()
    assert world.recorder.to(SENTINEL_ID), "the consent request went out"
    erase(world)
    with world.sessions() as session:
        assert session.get(SeatOffer, latest(world, SeatOffer)).status == "void"  # type: ignore[union-attr]
    told = world.recorder.texts_to(BO.user_id)
    assert any("bortfaldet" in t and "Slettet bruger" in t for t in told), told
    assert world.recorder.updates == []  # their own consent request is deleted, not updated
    assert leftovers_of(world) == []


def test_the_privacy_notice_without_controller_or_contact_names_no_setting_and_points_to_kl(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = Klimanet(sessions, default_directory(), clock, settings=ServiceSettings())
    answer = service.command(BO, "privatliv")
    assert isinstance(answer, Reply) and answer.result is not None
    assert answer.result.kind is ResultKind.PRIVACY_NOTICE
    notice = answer.text
    assert "KLIMANET" not in notice and "_" not in notice.replace("`", ""), notice
    assert "kontakt KL" in notice
    assert "\nDataansvarlig: KL" in notice


def test_a_missing_controller_or_contact_is_one_start_up_warning_each_for_the_operator(
    database_url: str, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from bot.config import Settings
    from bot.runtime import build_core

    cases = (
        (Settings(database_url=database_url), {"KLIMANET_CONTROLLER", "KLIMANET_PRIVACY_CONTACT"}),
        (Settings(database_url=database_url, controller="KL"), {"KLIMANET_PRIVACY_CONTACT"}),
        (Settings(database_url=database_url, controller="KL", privacy_contact="dpo@kl.dk"), set()),
    )
    for settings, expected in cases:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="bot.runtime"):
            core = build_core(settings, clock)
        core.engine.dispose()
        warned = [r.getMessage() for r in caplog.records if r.name == "bot.runtime"]
        assert {w.split(" ", 1)[0] for w in warned} == expected, warned
        assert len(warned) == len(expected)


def test_an_admin_removed_from_the_settings_is_no_longer_a_facilitator(
    database_url: str, clock: FixedClock
) -> None:
    from bot.config import Settings
    from bot.domain.facilitators import facilitator_ids
    from bot.models import Network
    from bot.runtime import build_core

    for admins, expected in (({"UADMIN01", "UADMIN02"}, 2), ({"UADMIN01"}, 1)):
        core = build_core(Settings(database_url=database_url, admins=frozenset(admins)), clock)
        try:
            with core.sessions() as session:
                network = session.scalars(select(Network)).one()
                assert facilitator_ids(session, network.id) == sorted(admins)[:expected]
        finally:
            core.engine.dispose()


def test_the_first_upgrade_to_secure_delete_vacuums_what_was_deleted_before(
    tmp_path: Path,
) -> None:
    """A database from before 0006: rows deleted without secure_delete left their bytes in
    free pages; the upgrade's one VACUUM overwrites them."""
    import sqlite3

    from bot.db import upgrade

    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0004")
    engine.dispose()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA secure_delete=OFF")
    connection.execute("PRAGMA journal_mode=DELETE")
    for n in range(200):  # enough rows that whole pages are freed
        connection.execute(
            "INSERT INTO people (team_id, user_id, name, title, themes, created_at) "
            "VALUES ('T', ?, ?, '', '[]', '2026-01-01 00:00:00')",
            (f"U{n:05d}", f"{SENTINEL_NAME} {n}"),
        )
    connection.commit()
    connection.execute("DELETE FROM people")
    connection.commit()
    connection.close()
    assert file_leftovers(path, {"Sentinelsen"}), "the deleted rows' bytes are still there"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        assert file_leftovers(path, {"Sentinelsen"}) == []
    finally:
        engine.dispose()


def test_mine_data_never_calls_a_turned_down_applicant_a_former_holder(world: World) -> None:
    answer = world.say(CARL, "tilmeld Odense")  # Odense's first: a facilitator decides
    assert answer.result is not None and answer.result.kind is ResultKind.REGISTRATION_PENDING
    request = pending_request_of(world.sessions, CARL)
    rejected = world.click(FACILITATOR, Action.REQUEST_REJECT, request)
    assert rejected.result is not None and rejected.result.kind is ResultKind.REQUEST_REJECTED
    data = json.loads(world.say(CARL, "mine-data").files[1].content.decode("utf-8"))
    assert data["past_seats"] == []  # the seat was never Carl's
    parts = {h["action"]: h["your_part"] for h in data["history"]}
    assert parts["rejected"] == ["subject"], data["history"]
    assert parts["requested"] == ["subject", "actor"], data["history"]
