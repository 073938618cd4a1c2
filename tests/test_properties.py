"""Property-based: whatever people type after /klimanet, click or fill in, they get an answer
that says what happened (``Reply.result``), and nothing breaks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from bot import texts
from bot.clock import FixedClock
from bot.db import make_engine, make_session_factory, upgrade
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.municipalities import default_directory
from bot.models import SeatKind
from bot.replies import (
    Action,
    FormErrors,
    MeetingFormRequest,
    PollFormRequest,
    RegistrationFormRequest,
    Reply,
    ResultKind,
    as_written,
)
from bot.service.klimanet import Klimanet, RegistrationForm, ServiceSettings
from bot.service.meetings import MeetingForm
from bot.service.parsing import SUBCOMMANDS, Parsed, Unknown, parse, parse_register_args
from tests.conftest import START
from tests.support.actors import mention_of, person

WORDS = [
    "tilmeld",
    "tilmelding",
    "pladser",
    "afmeld",
    "kommuner",
    "hjælp",
    "hjaelp",
    "help",
    "Aarhus",
    "århus",
    "751",
    "411",
    "Christiansø",
    "frederiks",
    "Høje Taastrup",
    "fast",
    "fleksibel",
    "fleks",
    "Kommune",
    "Københavns",
    "kbh",
    "-",
    "\u200b",
    "@U123",
    mention_of("U1", "x"),
    *[
        "møde",
        "opret",
        "flyt",
        "aflys",
        "ret",
        "kopier",
        "punkt",
        "tilføj",
        "fjern",
        "nyt",
        "møder",
        "dagsorden",
        "kalender",
        "abonner",
        "nulstil",
        "afstemning",
        "afstemninger",
        "luk",
        "forlæng",
        "materiale",
        "fremmøde",
        "feedback",
        "send",
        "bekræft",
        "link=https://m.example/1",
    ],
    *[
        "overdrag",
        "byt",
        "vikar",
        "afbud",
        "deltager",
        "deltagere",
        "historik",
        "admin",
        "plads",
        "fortryd",
    ],
    *["1", "#1", "25.06.2027", "10:00-12:00", "kl. 10", "online", "fysisk", '"Titel"'],
    *[
        "type=eksternt",
        "min=20",
        mention_of("U0002", "b"),
        mention_of("U0003"),
        "fleksibel 2",
        "tema=affald",
    ],
]

# A subcommand as people write it, followed by words that fit some command: these mostly get
# past the parser, so the answers are the commands' own (successes included), not "unknown".
well_formed = st.tuples(
    st.sampled_from([spelling for forms in SUBCOMMANDS.values() for spelling in forms]),
    st.lists(st.sampled_from(WORDS), max_size=5),
).map(lambda t: " ".join([t[0], *t[1]]))
command_texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=6).map(" ".join),
    well_formed,
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Klimanet:
    path: Path = tmp_path_factory.mktemp("props") / "klimanet.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    service = Klimanet(
        make_session_factory(engine),
        default_directory(),
        FixedClock(START),
        settings=ServiceSettings(channel="C0NET", registration="approval"),
    )
    # Some of the random people are facilitators, so the facilitator commands run too.
    for user in range(1, 400, 7):
        service.make_facilitator(f"U{user:04d}")
    # A meeting, and people with seats (U0002 and U0003 are the mentions in WORDS), so that
    # offers, regrets and rosters can happen as well as be refused.
    created = service.command(
        person(1),
        'møde opret 25.06.2027 10:00-12:00 online "Titel" link=https://teams.microsoft.com/l/k',
    )
    assert isinstance(created, Reply) and created.result is not None, created
    assert created.result.kind is ResultKind.MEETING_CREATED, created.text
    for user, municipality in ((2, "Aarhus"), (3, "Aarhus"), (4, "Odense"), (5, "Aarhus")):
        pending = service.command(person(user), f"tilmeld {municipality}")
        assert isinstance(pending, Reply) and pending.result is not None, pending
        request = pending.result.ids["request"]
        service.click(person(1), Action.REQUEST_APPROVE, str(request))
    return service


# What each subcommand can answer besides a refusal: a reply that says something else happened
# is a routing or result bug, whatever its text.
COMMAND_RESULTS: dict[str, set[ResultKind]] = {
    "tilmeld": {ResultKind.REGISTERED, ResultKind.REGISTRATION_PENDING},
    "pladser": {ResultKind.SEATS},
    "afmeld": {ResultKind.RELEASE_ASKED},
    "kommuner": {ResultKind.NETWORK, ResultKind.SEATS},  # ``kommuner <kommune>``: its seats
    "hjaelp": {ResultKind.HELP},
    "moede": {
        ResultKind.MEETING_CREATED,
        ResultKind.MEETING_MOVED,
        ResultKind.MEETING_CANCELLED,
        ResultKind.MEETING_WARNING,  # a Saturday, a Sunday or a busy time: go ahead or drop it
        ResultKind.MEETING_CANCEL_ASKED,  # ``møde aflys`` asks first
        ResultKind.MEETING_UPDATED,  # ``møde ret <nr> link=…``
        ResultKind.MEETING_SENT_WITHOUT_PLACE,  # ``møde send <nr>``
    },
    "moeder": {ResultKind.MEETINGS},
    "dagsorden": {ResultKind.AGENDA},
    "kalender": {
        ResultKind.CALENDAR,
        ResultKind.FEED_SUBSCRIBED,
        ResultKind.FEED_EXISTS,
        ResultKind.FEED_RESET,
        ResultKind.FEED_UNAVAILABLE,
    },
    "punkt": {ResultKind.AGENDA_CHANGED},
    "nyt": {ResultKind.NEWS_SAVED},
    "overdrag": {ResultKind.OFFER_SENT},
    "byt": {ResultKind.OFFER_SENT},
    "vikar": {ResultKind.OFFER_SENT},
    "afbud": {ResultKind.REGRETS_SAVED},
    "deltager": {ResultKind.ATTENDANCE_CONFIRMED},
    "deltagere": {ResultKind.ROSTER},
    "historik": {ResultKind.HISTORY},
    "admin": {ResultKind.ADMIN_SEAT_SET, ResultKind.ADMIN_SEAT_FREED},
    "fortryd": {ResultKind.OFFERS_WITHDRAWN},
    "overblik": {
        ResultKind.OVERVIEW_MAP,
        ResultKind.OVERVIEW_ATTENDANCE,
        ResultKind.OVERVIEW_THEMES,
        ResultKind.FEEDBACK_SUMMARY,  # ``overblik feedback``
    },
    "eksport": {ResultKind.EXPORTED},
    "privatliv": {ResultKind.PRIVACY_NOTICE},
    "mine-data": {ResultKind.MY_DATA, ResultKind.NOTHING_HELD},
    "slet-mig": {ResultKind.ERASE_ASKED, ResultKind.NOTHING_HELD},
    "afventer": {ResultKind.WAITING},
    "fagomraader": {ResultKind.THEMES_SHOWN, ResultKind.THEMES_SET},
    # ``afstemning`` without a sub-command lists the polls, as ``afstemninger`` does.
    "afstemning": {
        ResultKind.POLL_OPENED,
        ResultKind.POLL_CLOSED,
        ResultKind.POLL_EXTENDED,
        ResultKind.POLLS,
    },
    "afstemninger": {ResultKind.POLLS},
    "materiale": {ResultKind.MATERIAL_SAVED},
    "fremmoede": {
        ResultKind.ATTENDANCE_LIST,
        ResultKind.PRESENCE_MARKED,
        ResultKind.PRESENCE_CONFIRMED,
    },
    "feedback": {ResultKind.FEEDBACK_SAVED, ResultKind.FEEDBACK_SUMMARY},
}
CLICK_RESULTS: dict[str, set[ResultKind]] = {
    Action.RELEASE_CONFIRM: {ResultKind.RELEASED},
    Action.RELEASE_CANCEL: {ResultKind.RELEASE_KEPT},
    Action.OFFER_ACCEPT: {ResultKind.OFFER_ACCEPTED},
    Action.OFFER_DECLINE: {ResultKind.OFFER_DECLINED},
    Action.OFFER_WITHDRAW: {ResultKind.OFFER_WITHDRAWN},
    Action.REQUEST_APPROVE: {ResultKind.REQUEST_APPROVED},
    Action.REQUEST_REJECT: {ResultKind.REQUEST_REJECTED},
    Action.ATTEND_YES: {ResultKind.ATTENDANCE_CONFIRMED},
    Action.ATTEND_NO: {ResultKind.REGRETS_SAVED},
    Action.PICK_SUBSTITUTE: {ResultKind.OFFER_SENT},
    Action.SEE_ALL: {ResultKind.HOME_LIST, ResultKind.UNKNOWN_BUTTON},  # a list it does not know
    Action.ERASE_CONFIRM: {ResultKind.ERASED, ResultKind.NOTHING_HELD},
    Action.ERASE_CANCEL: {ResultKind.ERASE_KEPT},
    Action.POLL_VOTE: {ResultKind.POLL_VOTED},
    Action.POLL_UNVOTE: {ResultKind.POLL_VOTED},
    Action.PRESENCE_TOGGLE: {ResultKind.PRESENCE_MARKED},
    Action.PRESENCE_CONFIRM: {ResultKind.PRESENCE_CONFIRMED},
    Action.FEEDBACK_RATE: {ResultKind.FEEDBACK_SAVED},
    # "Mente du …?": the command it completes, if the value is one that names a municipality.
    Action.PICK_MUNICIPALITY: {
        *COMMAND_RESULTS["tilmeld"],
        *COMMAND_RESULTS["pladser"],
        *COMMAND_RESULTS["historik"],
        *COMMAND_RESULTS["admin"],
        ResultKind.UNKNOWN_BUTTON,
    },
    # "Opret/Flyt alligevel" runs the warned command; "Annullér" drops it.
    Action.MEETING_GO_AHEAD: {
        ResultKind.MEETING_CREATED,
        ResultKind.MEETING_MOVED,
        ResultKind.UNKNOWN_BUTTON,
    },
    Action.MEETING_DROP: {ResultKind.MEETING_DROPPED},
    # The question before a cancellation: cancel (read like typed text), or keep the meeting.
    Action.MEETING_CANCEL: {ResultKind.MEETING_CANCELLED, ResultKind.UNKNOWN_BUTTON},
    Action.MEETING_KEEP: {ResultKind.MEETING_KEPT},
    Action.MEETING_SEND: {ResultKind.MEETING_SENT_WITHOUT_PLACE, ResultKind.UNKNOWN_BUTTON},
}


def _fallback() -> str:
    """What ``texts.errors.error`` says for a kind it has no sentence for."""
    err = DomainError(ErrorKind.NOT_REGISTERED)
    err.kind = "no sentence for this"  # type: ignore[assignment]
    return as_written(texts.errors.error(err))


FALLBACK = _fallback()
render_error = texts.errors.error


@contextmanager
def shown_errors() -> Iterator[list[DomainError]]:
    """The domain errors the service turned into sentences while the block ran."""
    shown: list[DomainError] = []
    render = texts.errors.error

    def recording(err: DomainError, today: date | None = None) -> str:
        shown.append(err)
        return render(err, today)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(texts.errors, "error", recording)
        yield shown


def assert_result_fits(reply: Reply, possible: set[ResultKind], shown: list[DomainError]) -> None:
    """The reply says what happened, it is one of the things the input can lead to, and a
    refusal reads as the sentence of the rule that said no."""
    result = reply.result
    assert result is not None, f"a reply without a result: {reply.text!r}"
    event(f"result: {result.error or result.kind}")
    assert reply.text.strip(), reply
    # No internal error reference: a "Noget gik galt (KN-…)" answer is an adapter's last resort.
    assert "KN-" not in reply.text, reply.text
    if result.kind is not ResultKind.REFUSED:
        assert result.error is None, result
        assert result.kind in possible, (result, reply.text)
        return
    assert result.error is not None, result
    assert reply.text != FALLBACK, f"{result.error} has no sentence of its own"
    if shown:
        # The sentence shown is the one for the error the result names.
        assert shown[-1].kind is result.error, (shown[-1], result)
        assert reply.text == as_written(render_error(shown[-1])), reply.text
    else:
        # The one refusal the service words itself: "pladser" by someone without a seat.
        assert result.error is ErrorKind.NOT_REGISTERED, result
        assert reply.text == as_written(texts.registration.seats_not_registered()), reply.text


@given(text=command_texts, user=st.integers(min_value=1, max_value=400))
# Every subcommand at least once, whatever the random texts reach (U0001 is a facilitator,
# U0002 to U0005 hold seats, U0009 nothing).
@example(text="deltagere 1", user=2)
@example(text="dagsorden 1", user=3)
@example(text="kalender 1", user=9)
@example(text="møder", user=3)
@example(text="historik", user=2)
@example(text="pladser", user=2)
@example(text="kommuner", user=9)
@example(text="hjælp", user=9)
@example(text="afmeld", user=4)
@example(text="deltager 1", user=3)
@example(text="afbud 1", user=5)
@example(text="tilmeld Vejle", user=9)
@example(text=f"overdrag {mention_of('U0012', 'tolv')}", user=4)
@example(text=f"byt {mention_of('U0003')}", user=2)
@example(text=f"vikar 1 {mention_of('U0010', 'ti')} fleksibel 2", user=2)
@example(text="fortryd", user=4)
@example(text='punkt tilføj 1 "Oplæg" type=eksternt', user=1)
@example(text="nyt Nyt fra KL", user=1)
@example(text=f"admin plads Aarhus fleksibel 2 {mention_of('U0011', 'elleve')} rettelse", user=1)
@example(
    text='møde opret 25.06.2027 13:00-15:00 online "Andet" link=https://teams.microsoft.com/l/klimanet',
    user=1,
)
@example(text="møde flyt 2 28.06.2027 13:00-15:00", user=1)
@example(text="møde aflys 2", user=1)
@example(text="møde aflys 2 bekræft", user=1)
@example(text="møde send 2", user=1)
@example(text="møde ret 2 link=https://m.example/1", user=1)
@example(text="tilmelt", user=9)
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_text_gets_an_answer_that_says_what_happened(
    service: Klimanet, text: str, user: int
) -> None:
    with shown_errors() as shown:
        outcome = service.command(person(user), text)
    assert isinstance(
        outcome, Reply | RegistrationFormRequest | MeetingFormRequest | PollFormRequest
    ), outcome
    if not isinstance(outcome, Reply):
        return
    parsed = parse(text)
    possible = (
        {ResultKind.UNKNOWN_COMMAND}
        if isinstance(parsed, Unknown)
        else COMMAND_RESULTS[parsed.name]
    )
    assert_result_fits(outcome, possible, shown)


@given(
    # The bot's own buttons, or any action id at all (a forged or outdated one).
    action=st.one_of(st.sampled_from(list(CLICK_RESULTS)), st.text(max_size=30)),
    value=st.one_of(st.integers(-5, 50).map(str), st.text(max_size=40)),
    selected=st.sampled_from([None, "U0002", "U0009", ""]),
    user=st.integers(min_value=1, max_value=400),
)
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_click_gets_an_answer_that_says_what_happened(
    service: Klimanet, action: str, value: str, selected: str | None, user: int
) -> None:
    """Buttons carry ids; a forged, stale or mangled id is answered, never a crash."""
    with shown_errors() as shown:
        reply = service.click(person(user), action, value, selected)
    assert_result_fits(reply, CLICK_RESULTS.get(action, {ResultKind.UNKNOWN_BUTTON}), shown)


@given(
    code=st.one_of(st.none(), st.integers(-5, 1000)),
    kind=st.sampled_from([None, *SeatKind]),
    title=st.text(max_size=160),
    themes=st.lists(
        st.one_of(st.sampled_from(["Affald", "affald", "Mobilitet"]), st.text()), max_size=3
    ),
    user=st.integers(min_value=1, max_value=400),
)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_registration_form_gets_errors_or_a_reply_that_says_what_happened(
    service: Klimanet,
    code: int | None,
    kind: SeatKind | None,
    title: str,
    themes: list[str],
    user: int,
) -> None:
    form = RegistrationForm(code, kind, title, themes)
    with shown_errors() as shown:
        answer = service.submit_registration_form(person(user), form)
    if isinstance(answer, FormErrors):
        assert answer.errors and all(e.strip() for e in answer.errors.values()), answer
        event("form errors")
        return
    assert_result_fits(answer, {ResultKind.REGISTERED, ResultKind.REGISTRATION_PENDING}, shown)


@given(
    number=st.one_of(st.none(), st.integers(-2, 5)),
    title=st.sampled_from(["", "Temamøde", "x" * 300]),
    day=st.one_of(st.sampled_from(["2027-06-25", "2020-01-01", "9999-12-31", ""]), st.text()),
    start=st.sampled_from(["10:00", "", "25:00", "kl. 9"]),
    end=st.sampled_from(["12:00", "", "09:00"]),
    fmt=st.sampled_from(["online", "fysisk", "physical", ""]),
    user=st.integers(min_value=1, max_value=400),
)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_meeting_form_gets_errors_or_a_reply_that_says_what_happened(
    service: Klimanet,
    number: int | None,
    title: str,
    day: str,
    start: str,
    end: str,
    fmt: str,
    user: int,
) -> None:
    form = MeetingForm(title, day, start, end, fmt)
    with shown_errors() as shown:
        answer = service.submit_meeting_form(person(user), number, form)
    if isinstance(answer, FormErrors):
        assert answer.errors and all(e.strip() for e in answer.errors.values()), answer
        event("form errors")
        return
    if isinstance(answer, MeetingFormRequest):  # the form again, with a warning to save despite
        assert answer.warning.strip() and answer.go_ahead, answer
        event("form warning")
        return
    assert_result_fits(answer, {ResultKind.MEETING_CREATED, ResultKind.MEETING_UPDATED}, shown)


@given(user=st.integers(min_value=1, max_value=400))
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_home_tab_says_what_it_is(service: Klimanet, user: int) -> None:
    assert_result_fits(service.home(person(user)), {ResultKind.HOME}, [])


@given(text=st.text(max_size=2000))
def test_parser_is_total(text: str) -> None:
    parsed = parse(text)
    assert isinstance(parsed, Parsed | Unknown)
    if isinstance(parsed, Unknown):
        assert len(parsed.word) <= 40
    args = parse_register_args(text)
    assert len(args.municipality) <= len(text)
