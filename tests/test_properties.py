"""Property-based: whatever people type after /klimanet, they get an answer and nothing breaks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import FixedClock
from bot.db import make_engine, make_session_factory, upgrade
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor
from bot.replies import RegistrationFormRequest, Reply
from bot.service.klimanet import Klimanet, ServiceSettings
from bot.service.parsing import Parsed, Unknown, parse, parse_register_args
from tests.conftest import START

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
    "<@U1|x>",
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
    *["type=eksternt", "min=20", "<@U0002|b>", "<@U0003>", "fleksibel 2", "tema=affald"],
]

command_texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=6).map(" ".join),
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
    return service


@given(text=command_texts, user=st.integers(min_value=1, max_value=400))
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_text_gets_an_answer(service: Klimanet, text: str, user: int) -> None:
    outcome = service.command(Actor("T0001", f"U{user:04d}", f"Person {user}"), text)
    assert isinstance(outcome, Reply | RegistrationFormRequest)
    if isinstance(outcome, Reply):
        assert outcome.text.strip()
        assert "Traceback" not in outcome.text


@given(
    action=st.sampled_from(
        [
            "release_confirm",
            "release_cancel",
            "offer_accept",
            "offer_decline",
            "offer_withdraw",
            "request_approve",
            "request_reject",
            "attend_yes",
            "attend_no",
            "pick_substitute",
            "nonsense",
        ]
    ),
    value=st.one_of(st.integers(-5, 50).map(str), st.text(max_size=40)),
    user=st.integers(min_value=1, max_value=400),
)
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_click_gets_an_answer(service: Klimanet, action: str, value: str, user: int) -> None:
    """Buttons carry ids; a forged, stale or mangled id is answered, never a crash."""
    actor = Actor("T0001", f"U{user:04d}", f"Person {user}")
    reply = service.click(actor, action, value, "U0002")
    assert reply.text.strip() and "Traceback" not in reply.text


@given(text=st.text(max_size=2000))
def test_parser_is_total(text: str) -> None:
    parsed = parse(text)
    assert isinstance(parsed, Parsed | Unknown)
    if isinstance(parsed, Unknown):
        assert len(parsed.word) <= 40
    args = parse_register_args(text)
    assert len(args.municipality) <= len(text)
