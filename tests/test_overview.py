"""KL's view of the network (issue 12, phase 2) through the service, on SQLite and PostgreSQL:
``overblik``, ``eksport``, the App Home for every role, and its republishing through the outbox."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.errors import ErrorKind
from bot.domain.membership import glance, member_codes, standings
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor, get_network
from bot.domain.seats.turnout import Answer, overview_meetings, turnout
from bot.models import OutboxMessage, OutboxStatus, SeatOffer, SeatRequest
from bot.ports import Profile
from bot.posts.home import LIST_LIMIT
from bot.posts.home_refresh import window_end
from bot.replies import (
    Action,
    Home,
    HomeAction,
    HomeHeader,
    HomeList,
    HomePicture,
    HomeSection,
    Reply,
    ResultKind,
)
from bot.reports import MapState, render_map
from bot.reports.denmark_map import MAP_COLOURS
from bot.reports.export import ExportKind
from bot.service.klimanet import Klimanet, ServiceSettings
from bot.texts import reports as reports_texts
from handlers.slack.blocks import ShownPicture, home_view
from jobs.delivery import Delivery
from tests.conftest import START
from tests.support.actors import mention_of
from tests.support.payload_limits import view_problems
from tests.support.service import arrange, network_id
from tests.test_reports import INSIDE, pixel, rgb

FACILITATOR = Actor("T0001", "UFACIL01", "Sara Røpke")
ANNA, BO, CARL, DORTE, EVA, FRIDA = (
    Actor("T0001", f"U0{name.upper()}", name)
    for name in ("Anna", "Bo", "Carl", "Dorte", "Eva", "Frida")
)
PEOPLE = (ANNA, BO, CARL, DORTE, EVA, FRIDA)
PROFILES = {a.user_id: Profile(f"{a.name} Jensen", title="Klimakoordinator") for a in PEOPLE}
AARHUS, ODENSE, HERNING, SILKEBORG = 751, 461, 657, 740
ONLINE = "online link=https://teams.microsoft.com/l/klimanet"


def make_service(
    sessions: SessionFactory, clock: FixedClock, registration: str = "open"
) -> Klimanet:
    service = Klimanet(
        sessions,
        default_directory(),
        clock,
        profiles=PROFILES.get,
        settings=ServiceSettings(channel="C0NET", registration=registration, home_tab=True),
    )
    service.make_facilitator(FACILITATOR.user_id)
    return service


@pytest.fixture
def service(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    return make_service(sessions, clock)


def say(service: Klimanet, actor: Actor, text: str) -> Reply:
    outcome = service.command(actor, text)
    assert isinstance(outcome, Reply), outcome
    return outcome


def mention(actor: Actor) -> str:
    return mention_of(actor.user_id, actor.name.lower())


def latest(sessions: SessionFactory, model: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.max(model.id))) or 0)


def when(days: float) -> str:
    day = (START + timedelta(days=days)).strftime("%d.%m.%Y")
    return f"{day} 10:00-12:00"


def history_of_meetings(service: Klimanet, sessions: SessionFactory, clock: FixedClock) -> None:
    """Two held meetings and two coming, with every kind of answer.

    Meeting 1: Aarhus (Anna yes, Carl silent), Odense (Dorte regrets); Herning not a member yet.
    Meeting 2: Aarhus (Anna and Carl regrets), Odense (Dorte regrets, Bo substitute), Herning
    (Eva silent). Carl gives his seat up after meeting 2.
    """
    say(service, ANNA, "tilmeld Aarhus")
    say(service, CARL, "tilmeld Aarhus")
    say(service, DORTE, "tilmeld Odense")
    for number, days in enumerate((2, 9, 30, 60), start=1):
        arrange(
            service, FACILITATOR, f'møde opret {when(days)} {ONLINE} "Møde {number}" tema=Affald'
        )
    assert "noteret" in say(service, ANNA, "deltager 1").text
    say(service, DORTE, "afbud 1")
    clock.set(START + timedelta(days=3))
    say(service, EVA, "tilmeld Herning")
    say(service, ANNA, "afbud 2")
    say(service, CARL, "afbud 2")
    say(service, DORTE, f"afbud 2 {mention(BO)}")
    accepted = service.click(BO, Action.OFFER_ACCEPT, str(latest(sessions, SeatOffer)))
    assert accepted.result is not None and accepted.result.kind is ResultKind.OFFER_ACCEPTED
    clock.set(START + timedelta(days=10))
    say(service, CARL, "afmeld")
    service.click(CARL, Action.RELEASE_CONFIRM, "release")


# -- one definition of "member municipality" ------------------------------------------------------


def test_a_member_municipality_has_an_approved_seat_holder(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = make_service(sessions, clock, registration="approval")
    say(service, ANNA, "tilmeld Aarhus")  # waits for a facilitator
    with sessions() as session:
        network = get_network(session, "klimanet")
        assert member_codes(session, network) == set()
        aarhus = next(s for s in standings(session, network) if s.code == AARHUS)
        assert (aarhus.is_member, aarhus.only_pending, aarhus.filled, aarhus.pending) == (
            False,
            True,
            0,
            1,
        )
        assert len(standings(session, network)) == 98
    service.click(FACILITATOR, Action.REQUEST_APPROVE, str(latest(sessions, SeatRequest)))
    say(service, BO, "tilmeld Aarhus")  # waits for Anna, the coordinator
    with sessions() as session:
        network = get_network(session, "klimanet")
        assert member_codes(session, network) == {AARHUS}
        at_a_glance = glance(standings(session, network))
    assert (at_a_glance.members, at_a_glance.filled, at_a_glance.seats) == (1, 1, 3)
    answer = say(service, FACILITATOR, "overblik")
    assert "1 kommune · 1 af 3 pladser besat" in answer.text


def test_turnout_replays_who_was_expected_when(
    service: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    history_of_meetings(service, sessions, clock)
    with sessions() as session:
        network = get_network(session, "klimanet")
        meetings = overview_meetings(session, network)
        seats = turnout(session, network, meetings)
        people = {p: a for a in PEOPLE for p in [_person_id(session, a)]}
    by = {(s.meeting_id, s.municipality_code, s.slot, s.kind.value): s for s in seats}
    first, second, third = (m.id for m in meetings[:3])
    assert by[first, AARHUS, 1, "fixed"].answer is Answer.COMING
    assert by[first, AARHUS, 1, "flexible"].answer is Answer.NO_ANSWER
    assert people[by[first, AARHUS, 1, "flexible"].holder_id or 0] is CARL  # he held it then
    assert by[first, ODENSE, 1, "fixed"].answer is Answer.REGRETS
    assert not any(s.municipality_code == HERNING for s in seats if s.meeting_id == first)
    assert by[second, AARHUS, 1, "flexible"].answer is Answer.REGRETS
    odense = by[second, ODENSE, 1, "fixed"]
    assert (odense.answer, people[odense.substitute_id or 0]) == (Answer.SUBSTITUTE, BO)
    assert by[second, HERNING, 1, "fixed"].answer is Answer.NO_ANSWER
    # Carl left after meeting 2: at the coming meetings his seat is nobody's.
    assert (third, AARHUS, 1, "flexible") not in by


def _person_id(session: Any, actor: Actor) -> int:
    from bot.models import Person

    return int(session.scalar(select(Person.id).where(Person.account == actor.user_id)) or 0)


# -- overblik -------------------------------------------------------------------------------------


def test_overview_is_for_facilitators(service: Klimanet) -> None:
    say(service, ANNA, "tilmeld Aarhus")
    for text in ("overblik", "overblik deltagelse", "overblik temaer", "eksport medlemmer"):
        answer = say(service, ANNA, text)
        assert answer.result is not None and answer.result.error is ErrorKind.NOT_FACILITATOR
        assert answer.attachment is None
        assert "kun for facilitatorer" in answer.text


def test_overview_map_colours_follow_the_data(service: Klimanet, clock: FixedClock) -> None:
    for actor, text in (
        (ANNA, "tilmeld Aarhus"),
        (BO, "tilmeld Aarhus"),
        (CARL, "tilmeld Aarhus"),
        (DORTE, "tilmeld Odense"),
    ):
        say(service, actor, text)
    answer = say(service, FACILITATOR, "overblik kort")
    assert answer.result is not None and answer.result.kind is ResultKind.OVERVIEW_MAP
    assert dict(answer.result.ids) == {"members": 2, "seats_filled": 4, "seats": 6, "pending": 0}
    assert "2 kommuner · 4 af 6 pladser besat" in answer.text
    assert "Region Midtjylland: 1 kommune · 3 af 3 pladser besat" in answer.text
    assert "Region Syddanmark: 1 kommune · 1 af 3 pladser besat" in answer.text
    assert "direkte besked" in answer.text
    png = answer.attachment.content if answer.attachment else b""
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and 950 <= image.size[0] <= 1050
    assert answer.attachment is not None
    assert answer.attachment.filename == "klimanet-kort-2026-11-27.png"
    # The map's layout does not depend on the data: a blank map says where each point is drawn.
    layout = render_map([], as_of=clock.now().date())
    expected = {
        AARHUS: MapState.FULL,
        ODENSE: MapState.FREE_SEATS,
        HERNING: MapState.NOT_MEMBER,
    }
    for code, state in expected.items():
        assert pixel(png, layout.pixel_at(*INSIDE[code])) == rgb(MAP_COLOURS[state]), code

    say(service, EVA, "tilmeld Herning")
    say(service, ANNA, "afmeld")
    service.click(ANNA, Action.RELEASE_CONFIRM, "release")
    changed = say(service, FACILITATOR, "overblik").attachment
    assert changed is not None
    assert pixel(changed.content, layout.pixel_at(*INSIDE[AARHUS])) == rgb(
        MAP_COLOURS[MapState.FREE_SEATS]
    )
    assert pixel(changed.content, layout.pixel_at(*INSIDE[HERNING])) == rgb(
        MAP_COLOURS[MapState.FREE_SEATS]
    )


def test_overview_map_shows_waiting_registrations(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = make_service(sessions, clock, registration="approval")
    say(service, ANNA, "tilmeld Silkeborg")
    answer = say(service, FACILITATOR, "overblik")
    assert answer.result is not None and answer.result.ids["pending"] == 1
    assert "0 kommuner · 0 af 0 pladser besat · 1 kommune med ventende tilmelding" in answer.text
    assert answer.attachment is not None
    layout = render_map([], as_of=clock.now().date())
    assert pixel(answer.attachment.content, layout.pixel_at(*INSIDE[SILKEBORG])) == rgb(
        MAP_COLOURS[MapState.PENDING]
    )


def test_overview_attendance_names_whom_to_call(
    service: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    history_of_meetings(service, sessions, clock)
    answer = say(service, FACILITATOR, "overblik deltagelse")
    assert answer.result is not None and answer.result.kind is ResultKind.OVERVIEW_ATTENDANCE
    assert dict(answer.result.ids) == {"members": 3, "meetings": 4, "to_call": 1}
    assert "Ring til" in answer.text and "Herning" in answer.text
    assert "de seneste 2 afholdte møder og de 2 næste møder" in answer.text
    assert answer.attachment is not None
    width, height = Image.open(io.BytesIO(answer.attachment.content)).size
    assert width == 1000 and height > 200

    one = say(service, FACILITATOR, "overblik deltagelse 1")
    assert one.result is not None and one.result.ids["meetings"] == 3
    for wrong in ("0", "25", "mange"):
        refused = say(service, FACILITATOR, f"overblik deltagelse {wrong}")
        assert refused.result is not None and refused.result.error is ErrorKind.NUMBER_INVALID


def test_overview_themes_counts_expertise_for_the_next_meeting(
    service: Klimanet, sessions: SessionFactory
) -> None:
    from bot.service.registration import RegistrationForm

    for actor, code, themes in (
        (ANNA, AARHUS, ("Affald", "Mobilitet")),
        (BO, AARHUS, ("Affald",)),
        (DORTE, ODENSE, ("Klimaplaner",)),
    ):
        service.submit_registration_form(actor, RegistrationForm(code, None, "", themes))
    arrange(service, FACILITATOR, f'møde opret {when(5)} {ONLINE} "Affaldsmødet" tema=Affald')
    answer = say(service, FACILITATOR, "overblik temaer")
    assert answer.result is not None and answer.result.kind is ResultKind.OVERVIEW_THEMES
    assert dict(answer.result.ids) == {"members": 2, "themes": 8}
    assert "Affald: 1 kommune med fagområdet" in answer.text
    assert answer.attachment is not None
    assert Image.open(io.BytesIO(answer.attachment.content)).size[0] == 1000


def test_overview_words_and_an_empty_network(service: Klimanet) -> None:
    refused = say(service, FACILITATOR, "overblik xyz")
    assert refused.result is not None and refused.result.error is ErrorKind.OPTION_UNKNOWN
    assert "'kort', 'deltagelse', 'temaer' eller 'feedback'" in refused.text
    for text in ("overblik deltagelse", "overblik temaer"):
        empty = say(service, FACILITATOR, text)
        assert empty.attachment is None and "ingen medlemskommuner" in empty.text
    assert say(service, FACILITATOR, "oversigt").attachment is not None  # an empty map is a map


def test_pictures_are_cached_until_the_data_changes(service: Klimanet) -> None:
    from bot.reports import REPORT_CACHE

    REPORT_CACHE.clear()  # the cache is the process's: earlier tests drew the same networks
    say(service, ANNA, "tilmeld Aarhus")
    say(service, FACILITATOR, "overblik")
    hits = REPORT_CACHE.hits
    again = say(service, FACILITATOR, "overblik")
    assert REPORT_CACHE.hits == hits + 1 and again.attachment is not None
    misses = REPORT_CACHE.misses
    say(service, BO, "tilmeld Odense")
    say(service, FACILITATOR, "overblik")
    assert REPORT_CACHE.misses == misses + 1


# -- eksport --------------------------------------------------------------------------------------


def sheet_rows(content: bytes) -> tuple[Any, list[tuple[Any, ...]]]:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet is not None
    return sheet, [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_every_export_has_a_sheet_title() -> None:
    """A spreadsheet's sheet is named for its export (``eksport feedback`` had none and crashed)."""
    assert set(reports_texts.SHEET_TITLES) == {kind.value for kind in ExportKind}


def test_export_members_as_xlsx(service: Klimanet, sessions: SessionFactory) -> None:
    from bot.service.registration import RegistrationForm

    hostile = '=HYPERLINK("https://evil.example","klik")'
    service.submit_registration_form(
        ANNA, RegistrationForm(AARHUS, None, hostile, ("Affald", "Mobilitet"))
    )
    say(service, BO, "tilmeld Aarhus")
    answer = say(service, FACILITATOR, "eksport medlemmer")
    assert answer.result is not None and answer.result.kind is ResultKind.EXPORTED
    assert answer.result.ids["rows"] == 3
    assert answer.attachment is not None
    assert answer.attachment.filename == "klimanet-medlemmer-2026-11-27.xlsx"
    sheet, rows = sheet_rows(answer.attachment.content)
    assert rows[0] == ("Kommune", "Region", "Plads", "Pladsholder", "Titel", "Fagområder", "Siden")
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G4"
    anna = rows[1]
    assert anna[:4] == ("Aarhus Kommune", "Region Midtjylland", "Fast plads", "Anna Jensen")
    assert anna[4] == hostile and sheet["E2"].data_type == "s"  # text, never a formula
    assert anna[5] == "Affald, Mobilitet"
    assert isinstance(anna[6], datetime) and anna[6] == datetime(2026, 11, 27, 10, 0)
    assert rows[3][2:4] == ("Fleksibel plads 2", None)  # a free seat is a row too


def test_text_that_becomes_a_formula_once_cleaned_stays_text() -> None:
    from bot.reports import MemberExportRow, export_members

    sneaky = "\x01=1+1"  # a control character XML cannot hold, then a formula
    row = MemberExportRow(
        "Aarhus Kommune", "Region Midtjylland", "Fast plads", sneaky, sneaky, (), None
    )
    made = export_members([row], today=START.date())
    sheet, rows = sheet_rows(made.content)
    assert rows[1][3] == "=1+1" and sheet["D2"].data_type == "s" and sheet["D2"].quotePrefix


def test_export_attendance_as_csv_and_history(
    service: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    history_of_meetings(service, sessions, clock)
    answer = say(service, FACILITATOR, "eksport deltagelse csv")
    assert answer.attachment is not None
    content = answer.attachment.content
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Møde",
        "Dato",
        "Kommune",
        "Plads",
        "Pladsholder",
        "Vikar",
        "Svar",
        "Fremmøde",
    ]
    assert answer.result is not None and answer.result.ids["rows"] == len(rows) - 1
    found = {(r[0], r[2], r[3]): r for r in rows[1:]}
    assert found["#1 Møde 1", "Aarhus", "Fast plads"][6] == "kommer"
    assert found["#1 Møde 1", "Aarhus", "Fleksibel plads 1"][4:7] == [
        "Carl Jensen",
        "",
        "intet svar",
    ]
    assert found["#2 Møde 2", "Odense", "Fast plads"][4:7] == [
        "Dorte Jensen",
        "Bo Jensen",
        "vikar",
    ]
    # Nobody confirmed who came: the answers, marked as such.
    assert {r[7] for r in rows[1:]} == {"ikke bekræftet – svarene"}
    assert found["#2 Møde 2", "Aarhus", "Fast plads"][6] == "afbud"
    assert ("#1 Møde 1", "Herning", "Fast plads") not in found
    assert (
        found["#2 Møde 2", "Aarhus", "Fast plads"][1]
        == (START + timedelta(days=9)).date().isoformat()
    )

    history = say(service, FACILITATOR, "eksport historik xlsx")
    assert history.attachment is not None and history.attachment.filename.endswith(".xlsx")
    _, events = sheet_rows(history.attachment.content)
    assert events[0][:4] == ("Tidspunkt", "Kommune", "Plads", "Hændelse")
    # Regrets and substitutes name the meeting they were for (meetings 1 and 2: 29 Nov, 6 Dec).
    assert {row[3] for row in events[1:]} >= {
        "tilmeldt",
        "afbud til mødet 29. november 2026",
        "afbud til mødet 6. december 2026",
        "vikar til mødet 6. december 2026",
        "afmeldt",
    }
    assert not any(row[3] == "afbud" for row in events[1:])
    shown = say(service, FACILITATOR, "historik Odense").text
    assert "afbud til mødet 29. november 2026 – Dorte" in shown, shown
    assert "vikar til mødet 6. december 2026 – Bo" in shown, shown
    assert history.result is not None and history.result.ids["rows"] == len(events) - 1


def test_export_words(service: Klimanet) -> None:
    missing = say(service, FACILITATOR, "eksport")
    assert missing.result is not None and missing.result.error is ErrorKind.CHOICE_MISSING
    assert "'medlemmer', 'deltagelse', 'historik' eller 'feedback'" in missing.text
    unknown = say(service, FACILITATOR, "eksport regnskab")
    assert unknown.result is not None and unknown.result.error is ErrorKind.OPTION_UNKNOWN
    wrong = say(service, FACILITATOR, "eksport medlemmer pdf")
    assert wrong.result is not None and "'xlsx' eller 'csv'" in wrong.text
    assert say(service, FACILITATOR, "export medlemmer CSV").attachment is not None


# -- the App Home ---------------------------------------------------------------------------------


def checked(home: Home, picture: ShownPicture | None = None) -> dict[str, Any]:
    """The Home as Slack gets it, valid by Slack's rules."""
    view = home_view(home, picture).to_dict()
    assert view_problems(view) == []
    assert len(view["blocks"]) <= 100
    return view


def buttons(home: Home) -> list[tuple[str, str]]:
    return [
        (button.action_id, button.value)
        for part in home.parts
        if isinstance(part, HomeSection)
        for button in part.buttons
    ]


def test_home_for_someone_without_a_seat(service: Klimanet) -> None:
    home = service.home(ANNA)
    assert home.result.kind is ResultKind.HOME and home.result.ids["member"] == 0
    assert "Kommunernes klimapolitiske netværk" in home.text and "én fast plads" in home.text
    assert buttons(home) == [(HomeAction.REGISTER, "register")]
    # Where to see, erase and read about one's data, on the tab itself.
    for command in ("mine-data", "slet-mig", "privatliv"):
        assert f"`/klimanet {command}`" in home.text
    checked(home)
    assert not any(isinstance(p, HomePicture) for p in home.parts)


def test_home_for_a_member_and_coordinator(
    service: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    say(service, ANNA, "tilmeld Aarhus")
    say(service, BO, "tilmeld Aarhus")
    for number, days in enumerate((2, 9, 30, 60), start=1):
        arrange(
            service, FACILITATOR, f'møde opret {when(days)} {ONLINE} "Møde {number}" tema=Affald'
        )
    say(service, BO, "deltager 1")
    say(service, ANNA, f"overdrag {mention(CARL)}")  # Carl has an offer waiting

    coordinator = service.home(ANNA)
    assert coordinator.result.ids["member"] == 1
    text = coordinator.text
    assert "Du har den faste plads i Aarhus Kommune. Du er kommunens kontaktperson." in text
    assert "#1 Møde 1" in text and "#3 Møde 3" in text and "#4 Møde 4" not in text
    meeting_buttons = [
        b for b in buttons(coordinator) if b[0] in (Action.ATTEND_YES, Action.ATTEND_NO)
    ]
    assert len(meeting_buttons) == 6
    # Bo comes (he confirmed): only flexible seat 2, which nobody holds, has a picker.
    picks = [p for part in coordinator.parts if isinstance(part, HomeSection) for p in part.picks]
    assert [p.action_id for p in picks] == [Action.PICK_SUBSTITUTE]
    assert picks[0].block_id.endswith(":2")
    coming = text.split("Hvem kommer fra Aarhus lige nu")[1].splitlines()
    assert any(
        r.startswith("• Fleksibel plads 1: Bo") and r.endswith("– bekræftet") for r in coming
    )
    checked(coordinator)

    member = service.home(BO)
    assert "Dit svar: du har sagt, at du kommer" in member.text
    assert not any(p.picks for p in member.parts if isinstance(p, HomeSection))
    # The Home's Ja/Nej is the message's Ja/Nej: the same handler answers.
    meeting_one = next(v for a, v in buttons(member) if a == Action.ATTEND_NO)
    answered = service.click(BO, Action.ATTEND_NO, meeting_one)
    assert answered.result is not None and answered.result.kind is ResultKind.REGRETS_SAVED
    assert "du har meldt afbud" in service.home(BO).text

    carl = service.home(CARL)
    assert carl.result.ids["offers"] == 1
    offer = [b for b in buttons(carl) if b[0] in (Action.OFFER_ACCEPT, Action.OFFER_DECLINE)]
    assert [a for a, _ in offer] == [Action.OFFER_ACCEPT, Action.OFFER_DECLINE]
    checked(carl)
    first = service.click(CARL, Action.OFFER_DECLINE, offer[1][1])
    stale = service.click(CARL, Action.OFFER_ACCEPT, offer[0][1])
    assert first.result is not None and first.result.kind is ResultKind.OFFER_DECLINED
    assert stale.result is not None and stale.result.error is ErrorKind.OFFER_CLOSED


def test_home_for_a_substitute_without_a_seat(service: Klimanet, sessions: SessionFactory) -> None:
    say(service, ANNA, "tilmeld Aarhus")
    arrange(service, FACILITATOR, f'møde opret {when(5)} {ONLINE} "Møde 1"')
    say(service, ANNA, f"afbud 1 {mention(BO)}")
    service.click(BO, Action.OFFER_ACCEPT, str(latest(sessions, SeatOffer)))
    home = service.home(BO)
    assert "#1 Møde 1" in home.text and "(som vikar)" in home.text
    assert [a for a, _ in buttons(home) if a != HomeAction.REGISTER] == [
        Action.ATTEND_YES,
        Action.ATTEND_NO,
    ]
    checked(home)


def test_home_for_a_pending_applicant_and_the_coordinator_who_approves(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = make_service(sessions, clock, registration="approval")
    say(service, ANNA, "tilmeld Aarhus")
    service.click(FACILITATOR, Action.REQUEST_APPROVE, str(latest(sessions, SeatRequest)))
    arrange(service, FACILITATOR, f'møde opret {when(5)} {ONLINE} "Møde 1"')
    for actor in (BO, CARL):
        say(service, actor, "tilmeld Aarhus")

    waiting = service.home(BO)
    assert "venter på godkendelse" in waiting.text and "#1 Møde 1" in waiting.text
    assert not any(a in (Action.ATTEND_YES, Action.ATTEND_NO) for a, _ in buttons(waiting))
    checked(waiting)

    coordinator = service.home(ANNA)
    assert coordinator.result.ids["requests"] == 2
    approve = [v for a, v in buttons(coordinator) if a == Action.REQUEST_APPROVE]
    assert len(approve) == 2
    checked(coordinator)
    done = service.click(ANNA, Action.REQUEST_APPROVE, approve[0])
    again = service.click(ANNA, Action.REQUEST_APPROVE, approve[0])
    assert done.result is not None and done.result.kind is ResultKind.REQUEST_APPROVED
    assert again.result is not None and again.result.error is ErrorKind.REQUEST_CLOSED


def test_home_for_a_facilitator(
    service: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    history_of_meetings(service, sessions, clock)
    home = service.home(FACILITATOR)
    assert home.result.ids["facilitator"] == 1 and home.result.ids["member"] == 0
    text = home.text
    assert "\n3 kommuner · 3 af 9 pladser besat\n" in text  # Carl has left
    assert "Region Midtjylland: 2 kommuner" in text
    pictures = [p for p in home.parts if isinstance(p, HomePicture)]
    assert len(pictures) == 1 and "3 kommuner" in pictures[0].title
    assert "#3 Møde 3" in text and "forventes" in text
    assert "Ingen tilmeldinger venter" in text
    assert not any(a == HomeAction.REGISTER for a, _ in buttons(home))
    # Without an uploaded picture a line says it comes; with one, an image block shows it.
    assert "image" not in [b["type"] for b in checked(home)["blocks"]]
    view = home_view(home, ShownPicture(pictures[0].key, "F123", "Netværket", None)).to_dict()
    image = [b for b in view["blocks"] if b["type"] == "image"]
    assert image and image[0]["slack_file"] == {"id": "F123"}
    refused = ShownPicture(
        pictures[0].key, "F123", "Netværket", "https://x.slack.com/files/F123", refused=True
    )
    fallback = checked(home, refused)
    links = [
        b["accessory"] for b in fallback["blocks"] if b.get("accessory", {}).get("type") == "button"
    ]
    assert links and links[0]["url"] == "https://x.slack.com/files/F123"
    assert links[0]["action_id"] == HomeAction.OPEN_PICTURE


def test_home_lists_are_cut_with_see_all(sessions: SessionFactory, clock: FixedClock) -> None:
    service = make_service(sessions, clock, registration="approval")
    codes = [c.code for c in default_directory().all()][: LIST_LIMIT + 3]
    for index, code in enumerate(codes):
        say(service, Actor("T0001", f"U1{index:04d}", f"Person {index}"), f"tilmeld {code}")
    with sessions() as session:  # some posts that could not be delivered
        for index in range(LIST_LIMIT + 2):
            session.add(
                OutboxMessage(
                    key=f"news:{index}:channel",
                    kind="news",
                    recipient="C0NET",
                    addressed_to="place",
                    due_at=clock.now() - timedelta(hours=index + 1),
                    status=OutboxStatus.DEAD.value,
                    attempts=5,
                    last_error="channel_not_found",
                    payload={},
                    created_at=clock.now(),
                )
            )
        session.commit()
    home = service.home(FACILITATOR)
    assert home.result.ids["requests"] == LIST_LIMIT + 3
    assert home.result.ids["deliveries"] == LIST_LIMIT + 2
    see_all = [v for a, v in buttons(home) if a == Action.SEE_ALL]
    assert see_all == [HomeList.REQUESTS, HomeList.DELIVERIES]
    assert "channel_not_found" in home.text
    checked(home)
    full = service.click(FACILITATOR, Action.SEE_ALL, HomeList.REQUESTS)
    assert full.result is not None and full.result.kind is ResultKind.HOME_LIST
    assert full.result.ids["lines"] == LIST_LIMIT + 3
    assert service.click(FACILITATOR, Action.SEE_ALL, HomeList.DELIVERIES).result.ids["lines"] == (  # type: ignore[union-attr]
        LIST_LIMIT + 2
    )
    refused = service.click(ANNA, Action.SEE_ALL, HomeList.DELIVERIES)
    assert refused.result is not None and refused.result.error is ErrorKind.NOT_FACILITATOR
    unknown = service.click(FACILITATOR, Action.SEE_ALL, "everything")
    assert unknown.result is not None and unknown.result.kind is ResultKind.UNKNOWN_BUTTON


def test_the_fullest_home_stays_within_slacks_limits(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    """A facilitator who is also a coordinator (a seat from before she became one), with every
    list full: still under 100 blocks."""
    service = make_service(sessions, clock, registration="approval")
    say(service, ANNA, "tilmeld Aarhus")
    service.click(FACILITATOR, Action.REQUEST_APPROVE, str(latest(sessions, SeatRequest)))
    service.make_facilitator(ANNA.user_id)
    for days in (2, 9, 30):
        arrange(
            service, FACILITATOR, f'møde opret {when(days)} {ONLINE} "Et møde med en lang titel"'
        )
    say(service, BO, "tilmeld Aarhus")
    say(service, CARL, "tilmeld Aarhus")
    for index, municipality in enumerate(default_directory().all()[:20]):
        say(
            service,
            Actor("T0001", f"U2{index:04d}", f"Ansøger {index}"),
            f"tilmeld {municipality.code}",
        )
    home = service.home(ANNA)
    view = checked(home)
    assert 40 <= len(view["blocks"]) <= 100
    headers = [p.text for p in home.parts if isinstance(p, HomeHeader)]
    assert "Netværket" in headers and "Din plads" in headers and "Venter på dig" in headers


# -- republishing ---------------------------------------------------------------------------------


def home_rows(sessions: SessionFactory) -> list[OutboxMessage]:
    with sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "home").order_by(OutboxMessage.id)
            )
        )


def test_changes_plan_one_home_refresh_per_person_and_window(
    service: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    say(service, ANNA, "tilmeld Aarhus")
    rows = home_rows(sessions)
    assert {r.recipient for r in rows} == {ANNA.user_id, FACILITATOR.user_id}
    assert {r.due_at for r in rows} == {window_end(clock.now())}
    say(service, BO, "tilmeld Aarhus")  # same window: Anna's refresh is the one planned
    rows = home_rows(sessions)
    assert sorted(r.recipient for r in rows) == sorted(
        [ANNA.user_id, BO.user_id, FACILITATOR.user_id]
    )
    clock.advance(timedelta(seconds=11))
    arrange(service, FACILITATOR, f'møde opret {when(5)} {ONLINE} "Møde 1"')  # everyone's Home
    later = [r for r in home_rows(sessions) if r.due_at == window_end(clock.now())]
    assert {r.recipient for r in later} == {ANNA.user_id, BO.user_id, FACILITATOR.user_id}
    clock.advance(timedelta(seconds=11))
    before = len(home_rows(sessions))
    say(service, FACILITATOR, 'punkt tilføj 1 "Oplæg om affald" type=eksternt')
    say(service, DORTE, "pladser Aarhus")  # reading changes nothing
    assert len(home_rows(sessions)) == before  # an agenda item is not on anyone's Home


def test_without_a_home_tab_nothing_is_planned(sessions: SessionFactory, clock: FixedClock) -> None:
    service = Klimanet(
        sessions, default_directory(), clock, settings=ServiceSettings(registration="open")
    )
    say(service, ANNA, "tilmeld Aarhus")
    assert home_rows(sessions) == []


class RecordingHomes:
    def __init__(self) -> None:
        self.published: list[Home] = []

    def publish_home(self, home: Home) -> None:
        self.published.append(home)


class QuietNotifier:
    def post(self, recipient: str, reply: Reply) -> Any:
        from bot.replies import Posted

        return Posted(recipient, "1.0")

    def attach(self, posted: Any, attachment: Any) -> None:
        pass

    def update(self, posted: Any, reply: Reply) -> None:
        pass


def test_delivery_publishes_homes_rendered_at_send_time(
    service: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    homes = RecordingHomes()
    delivery = Delivery(
        sessions,
        QuietNotifier(),
        clock,
        service.settings.tz,
        network_id=network_id(sessions),
        home=homes,
    )
    without = Delivery(
        sessions, QuietNotifier(), clock, service.settings.tz, network_id=network_id(sessions)
    )
    try:
        say(service, ANNA, "tilmeld Aarhus")
        say(service, BO, "tilmeld Aarhus")  # within the window: after Anna's registration
        delivery.drain()
        assert homes.published == []  # not due yet
        clock.set(window_end(clock.now()))
        stats = delivery.drain()
        assert stats.sent == 3
        anna = next(h for h in homes.published if h.user_id == ANNA.user_id)
        assert "Bo Jensen" in anna.text  # rendered now, with Bo's registration in it
        say(service, CARL, "tilmeld Aarhus")
        clock.set(window_end(clock.now()))
        assert without.drain().cancelled == 4  # a platform without a home tab lets them go
    finally:
        delivery.close()
        without.close()


def test_a_meeting_move_refreshes_everyones_home_once(
    service: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    for index, municipality in enumerate(default_directory().all()[:12]):
        say(service, Actor("T0001", f"U3{index:04d}", f"P {index}"), f"tilmeld {municipality.code}")
    arrange(service, FACILITATOR, f'møde opret {when(5)} {ONLINE} "Møde 1"')
    clock.advance(timedelta(seconds=30))
    before = len(home_rows(sessions))
    say(service, FACILITATOR, f"møde flyt 1 {when(6)}")
    moved = home_rows(sessions)[before:]
    assert len(moved) == len({r.recipient for r in moved}) == 12 + 1
    # Cancelling it in the same window adds nothing: the refreshes are already planned.
    say(service, FACILITATOR, "møde aflys 1 bekræft")
    assert len(home_rows(sessions)) == before + 13
    assert all(r.due_at.tzinfo is not None for r in moved)
    assert window_end(datetime(2026, 11, 27, 9, 0, 3, tzinfo=UTC)) == datetime(
        2026, 11, 27, 9, 0, 10, tzinfo=UTC
    )
