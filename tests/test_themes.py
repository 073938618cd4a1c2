"""The network's themes (fagområder) are data: the forms offer exactly the list, a value that is
not on it is refused, and values saved before the list existed stay."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.seats.attendance import expected_at
from bot.domain.themes import network_themes
from bot.models import Meeting, Network, NetworkTheme, Person
from bot.posts.render import announce_dm_reply
from bot.replies import (
    Action,
    FormErrors,
    MeetingFormRequest,
    RegistrationField,
    RegistrationFormRequest,
    Reply,
    ResultKind,
    as_written,
)
from bot.service.klimanet import Klimanet, RegistrationForm
from handlers.slack.blocks import meeting_modal, registration_modal, reply_blocks
from tests.support.actors import FACILITATOR, named
from tests.support.service import done, new_service, say

FORGED = "<!here> <https://evil.example|Affald>"
HOSTILE = "<!channel> <https://evil.example/login|Klik her for at godkende>"
ESCAPED = "&lt;!channel&gt; &lt;https://evil.example/login|Klik her for at godkende&gt;"
THEMES = (
    "Affald",
    "Grønne indkøb",
    "Klimatilpasning",
    "Energiplanlægning",
    "Cirkulær økonomi",
    "CO2-regnskaber",
    "Klimaplaner",
    "Mobilitet",
)
ANNA = named("Anna Jensen")
BO = named("Bo Hansen")
CREATE = 'møde opret 25.06.2027 10:00-12:00 online "Opstartsmøde" tema=klimaplaner link=https://m.example/1'


@pytest.fixture
def klimanet(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    return new_service(sessions, clock)


def test_the_networks_themes_are_data_in_order(sessions: SessionFactory) -> None:
    with sessions() as session:
        network = session.scalars(select(Network)).one()
        assert network_themes(session, network) == list(THEMES)
        # The list is data: a theme added to the table is offered, in its place.
        session.add(NetworkTheme(network_id=network.id, position=3, name="Biodiversitet"))
        session.commit()
        assert network_themes(session, network)[2:4] == ["Klimatilpasning", "Biodiversitet"]


def test_the_forms_offer_exactly_the_list(klimanet: Klimanet) -> None:
    form = klimanet.command(ANNA, "tilmeld")
    assert isinstance(form, RegistrationFormRequest) and form.theme_options == THEMES
    view = registration_modal(klimanet.directory, form, {}).to_dict()
    [themes] = [b for b in view["blocks"] if b.get("block_id") == RegistrationField.THEMES]
    assert [o["value"] for o in themes["element"]["options"]] == list(THEMES)

    create = klimanet.command(FACILITATOR, "møde opret")
    assert isinstance(create, MeetingFormRequest) and create.theme_options == THEMES
    say(klimanet, FACILITATOR, CREATE)
    edit = klimanet.command(FACILITATOR, "møde ret 1")
    assert isinstance(edit, MeetingFormRequest) and edit.theme_options == THEMES
    modal = meeting_modal(edit).to_dict()
    [meeting_themes] = [b for b in modal["blocks"] if b.get("block_id") == "meeting_themes"]
    assert [o["value"] for o in meeting_themes["element"]["options"]] == list(THEMES)
    # 'tema=klimaplaner' typed on one line is the list's "Klimaplaner".
    assert [o["value"] for o in meeting_themes["element"]["initial_options"]] == ["Klimaplaner"]


def test_a_forged_theme_is_refused_and_a_known_one_saved_as_the_list_spells_it(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    forged = klimanet.submit_registration_form(
        ANNA, RegistrationForm(751, None, "Klimachef", ["Affald", FORGED])
    )
    assert isinstance(forged, FormErrors)
    assert forged.errors == {
        RegistrationField.THEMES: f"'{FORGED}' er ikke et af netværkets fagområder. "
        f"Vælg blandt: {', '.join(THEMES)}."
    }
    too_long = klimanet.submit_registration_form(ANNA, RegistrationForm(751, None, "", ["x" * 999]))
    assert isinstance(too_long, FormErrors)
    assert too_long.errors[RegistrationField.THEMES].startswith(f"'{'x' * 60}…' er ikke et af")
    registered = klimanet.submit_registration_form(
        ANNA, RegistrationForm(751, None, "Klimachef", ["affald", " Klimaplaner ", "AFFALD"])
    )
    assert isinstance(registered, Reply)
    done(registered, ResultKind.REGISTERED, municipality=751)
    with sessions() as session:
        anna = session.scalars(select(Person).where(Person.account == ANNA.user_id)).one()
        assert anna.themes == ["Affald", "Klimaplaner"]


def test_an_existing_odd_fagomraade_stays_and_is_shown_escaped(
    klimanet: Klimanet, sessions: SessionFactory
) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, BO, "tilmeld Aarhus")
    say(klimanet, BO, "afmeld")
    # Bo is a past colleague of Aarhus with no seat now.
    done(
        klimanet.click(BO, Action.RELEASE_CONFIRM, "release"), ResultKind.RELEASED, municipality=751
    )
    say(klimanet, FACILITATOR, CREATE)
    with sessions() as session:
        # A value saved before the list existed; the meeting is about the same.
        bo = session.scalars(select(Person).where(Person.account == BO.user_id)).one()
        bo.themes = [HOSTILE, "Affald"]
        meeting = session.scalars(select(Meeting)).one()
        meeting.themes = ["affald", HOSTILE]
        session.commit()
    with sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
        network = session.scalars(select(Network)).one()
        anna = next(e for e in expected_at(session, network, meeting) if e.is_coordinator)
        reply = announce_dm_reply(session, meeting, anna, ZoneInfo("Europe/Copenhagen"))
        bo = session.scalars(select(Person).where(Person.account == BO.user_id)).one()
        assert bo.themes == [HOSTILE, "Affald"]  # kept as it was
    context = reply_blocks(reply)[-1].to_dict()
    assert context["type"] == "context"
    assert (
        context["elements"][0]["text"]
        == f"Forslag ud fra fagområder: <@{BO.user_id}> ({ESCAPED}, Affald)"
    )
    assert reply.context is not None and HOSTILE in as_written(reply.context)
