"""A person sets and changes their fagområder (issue 15, point 9), on both engines: the command
``fagområder``, its form (a Slack modal opened from the answer, from ``tilmeld``'s confirmation and
from the App Home; questions in the console), and a theme not on the network's list is refused
everywhere with the list shown. Then ``overblik temaer`` has data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.errors import ErrorKind
from bot.domain.membership import members
from bot.domain.registration import get_network
from bot.domain.themes import parse_themes
from bot.models import Person
from bot.replies import (
    FormErrors,
    HomeAction,
    RegistrationField,
    Reply,
    ResultKind,
    as_written,
)
from bot.service.klimanet import Klimanet, RegistrationForm
from bot.service.report_data import theme_matrix_rows
from tests.support.actors import FACILITATOR, named
from tests.support.fake_slack import FakeSlack
from tests.support.service import done, new_service, refused, say
from tests.support.slack_driver import state_value_multi_static
from tests.support.slackbot import SlackBot, running_bot
from tests.test_console import console
from tests.test_themes import THEMES

ANNA = named("Anna Jensen")
BO = named("Bo Hansen")


@pytest.fixture
def klimanet(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    return new_service(sessions, clock)


def themes_of(sessions: SessionFactory, user_id: str) -> list[str] | None:
    with sessions() as session:
        person = session.scalars(select(Person).where(Person.account == user_id)).one_or_none()
        return None if person is None else list(person.themes)


def has_themes_button(reply: Reply) -> bool:
    return any(b.action_id == HomeAction.THEMES for b in reply.buttons)


def test_themes_are_read_as_people_type_them() -> None:
    assert parse_themes("affald grønne indkøb klimatilpasning", THEMES) == [
        "Affald",
        "Grønne indkøb",
        "Klimatilpasning",
    ]
    assert parse_themes("co2 regnskaber, cirkular okonomi", THEMES) == [
        "CO2-regnskaber",
        "Cirkulær økonomi",
    ]
    assert parse_themes('"Grønne indkøb" MOBILITET', THEMES) == ["Grønne indkøb", "Mobilitet"]


def test_fagomraader_shows_sets_changes_and_clears(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    shown = say(klimanet, ANNA, "fagområder")
    done(shown, ResultKind.THEMES_SHOWN, themes=0)
    assert has_themes_button(shown)
    assert all(theme in shown.text for theme in THEMES)
    assert themes_of(sessions, ANNA.user_id) is None  # looking stores nothing

    done(say(klimanet, ANNA, "fagområder affald grønne indkøb"), ResultKind.THEMES_SET, themes=2)
    assert themes_of(sessions, ANNA.user_id) == ["Affald", "Grønne indkøb"]
    done(say(klimanet, ANNA, "fagomrader klimatilpasning co2-regnskaber"), ResultKind.THEMES_SET)
    assert themes_of(sessions, ANNA.user_id) == ["Klimatilpasning", "CO2-regnskaber"]
    again = say(klimanet, ANNA, "fagområder")
    done(again, ResultKind.THEMES_SHOWN, themes=2)
    assert "Klimatilpasning og CO2-regnskaber" in again.text
    done(say(klimanet, ANNA, "fagområder ingen"), ResultKind.THEMES_SET, themes=0)
    assert themes_of(sessions, ANNA.user_id) == []


def test_a_theme_not_on_the_list_is_refused_with_the_list_and_nothing_changes(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    say(klimanet, ANNA, "fagområder affald")
    answer = say(klimanet, ANNA, "fagområder klimaplaner madspild")
    refused(answer, ErrorKind.THEME_UNKNOWN)
    assert "'madspild'" in answer.text and all(theme in answer.text for theme in THEMES)
    assert themes_of(sessions, ANNA.user_id) == ["Affald"]

    # The form: a forged value is refused next to the field, with the list.
    form = klimanet.submit_themes_form(ANNA, ["Affald", "<!here> Madspild"])
    assert isinstance(form, FormErrors)
    assert all(theme in form.errors[RegistrationField.THEMES] for theme in THEMES)
    assert themes_of(sessions, ANNA.user_id) == ["Affald"]
    saved = klimanet.submit_themes_form(ANNA, ["Mobilitet", "Affald"])
    assert isinstance(saved, Reply)
    done(saved, ResultKind.THEMES_SET, themes=2)
    assert themes_of(sessions, ANNA.user_id) == ["Mobilitet", "Affald"]

    # The registration form refuses the same way.
    registration = klimanet.submit_registration_form(
        BO, RegistrationForm(municipality_code=751, kind=None, themes=("Madspild",))
    )
    assert isinstance(registration, FormErrors)
    assert "Klimatilpasning" in registration.errors[RegistrationField.THEMES]


def test_tilmeld_offers_the_fagomraader_and_then_the_themes_overview_has_data(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    registered = say(klimanet, ANNA, "tilmeld Aarhus")
    done(registered, ResultKind.REGISTERED)
    assert has_themes_button(registered) and "fagområder" in registered.text
    form = klimanet.themes_form(ANNA)
    assert form.theme_options == THEMES and form.themes == ()
    say(klimanet, ANNA, "fagområder affald klimaplaner")
    assert klimanet.themes_form(ANNA).themes == ("Affald", "Klimaplaner")

    with sessions() as session:
        network = get_network(session, "klimanet")
        [row] = theme_matrix_rows(session, network, members(session, network))
        assert row.holders == (("Affald", "Klimaplaner"),)
    overview = say(klimanet, FACILITATOR, "overblik temaer")
    done(overview, ResultKind.OVERVIEW_THEMES, members=1)
    assert overview.attachment is not None

    # The Home offers the same form.
    home = klimanet.home(ANNA)
    sections = [p for p in home.parts if getattr(p, "buttons", ())]
    assert any(
        b.action_id == HomeAction.THEMES
        and "Affald og Klimaplaner" in as_written(getattr(p, "text", ""))
        for p in sections
        for b in p.buttons  # type: ignore[attr-defined]
    )


def test_hjaelp_lists_the_command(klimanet: Klimanet) -> None:
    assert "/klimanet fagområder affald klimatilpasning" in say(klimanet, BO, "hjælp").text


# -- Slack: the button opens the modal, the modal saves ---------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U0ANNA", "Anna Jensen", title="Klimakoordinator")
        yield fake
        fake.assert_no_invalid_payloads()


@pytest.fixture
def bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[SlackBot]:
    with running_bot(database_url, fake, clock) as bot:
        yield bot


def test_in_slack_the_button_opens_the_form_and_the_form_saves(bot: SlackBot) -> None:
    answer = bot.command("U0ANNA", "tilmeld Aarhus")
    message = {"blocks": answer.args["blocks"], "ts": "1.1"}
    assert "home_themes" in json.dumps(answer.args["blocks"])
    bot.driver.block_action("U0ANNA", "home_themes", "themes", message=message)
    opened = bot.fake.wait_for("views.open")[0]
    view = opened.args["view"]
    assert view["callback_id"] == "themes"
    assert "Grønne indkøb" in json.dumps(view, ensure_ascii=False)

    forged = {"themes": {"value": state_value_multi_static([("Madspild", "Madspild")])}}
    refused_form = bot.driver.view_submission("U0ANNA", view, forged).json()
    assert refused_form["response_action"] == "errors"
    assert "Klimatilpasning" in refused_form["errors"]["themes"]

    chosen = state_value_multi_static([("Affald", "Affald"), ("Mobilitet", "Mobilitet")])
    saved = bot.driver.view_submission("U0ANNA", view, {"themes": {"value": chosen}}).json()
    assert saved["response_action"] == "update"  # "saving …", then the answer after the ack
    updated = bot.fake.wait_for("views.update", ok=True)[0].args["view"]
    assert "Affald og Mobilitet" in json.dumps(updated, ensure_ascii=False)
    assert themes_of(bot.runtime.core.sessions, "U0ANNA") == ["Affald", "Mobilitet"]

    # Opened again (here from the App Home's button), the form has them checked.
    event = {"type": "app_home_opened", "user": "U0ANNA", "channel": "DU0ANNA", "tab": "home"}
    assert bot.driver.event(event).status_code == 200
    home = bot.fake.wait_for("views.publish")[-1].args["view"]
    assert "Affald og Mobilitet" in json.dumps(home, ensure_ascii=False)
    bot.driver.block_action("U0ANNA", "home_themes", "themes", view=home)
    again = bot.fake.wait_for("views.open", count=2)[1].args["view"]
    [block] = [b for b in again["blocks"] if b.get("block_id") == "themes"]
    assert [o["value"] for o in block["element"]["initial_options"]] == ["Affald", "Mobilitet"]


def test_a_meetings_theme_comes_from_the_list_too(klimanet: Klimanet) -> None:
    line = 'møde opret 24.06.2027 10:00-12:00 online "Sommermøde" {} link=https://m.example/1'
    wrong = say(klimanet, FACILITATOR, line.format("tema=madspild"))
    refused(wrong, ErrorKind.THEME_UNKNOWN)
    assert "'madspild'" in wrong.text and "Cirkulær økonomi" in wrong.text
    created = say(klimanet, FACILITATOR, line.format('tema="grønne indkøb, co2 regnskaber"'))
    done(created, ResultKind.MEETING_CREATED)
    edit = klimanet.command(FACILITATOR, "møde ret 1")
    assert getattr(edit, "themes", None) == ("Grønne indkøb", "CO2-regnskaber")


def test_in_the_console_the_button_asks_and_a_wrong_answer_is_asked_again(
    tmp_path: Path,
) -> None:
    out = console(
        tmp_path,
        "/som U0BO Bo",
        "tilmeld",  # the registration form: its themes question refuses what is not listed
        "Odense",
        "1",
        "",
        "9, madspild",
        "1, 3",
        "/som U0CARL Carl",
        "tilmeld Vejle",
        "1",  # "Vælg fagområder" on the answer: the form as a question
        "9",
        "affald, gronne indkob",
        "fagområder",
        KLIMANET_REGISTRATION="open",
    )
    assert out.count("Netværkets fagområder er: Affald, Grønne indkøb") == 2
    assert "Dine fagområder: Affald og Klimatilpasning. Ret dem med" in out  # Bo, via the form
    assert "Dine fagområder er gemt: Affald og Grønne indkøb." in out  # Carl, via the button
    assert "Dine fagområder: Affald og Grønne indkøb." in out.rsplit("Carl > fagområder", 1)[1]
