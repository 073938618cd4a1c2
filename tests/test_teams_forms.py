"""Teams' Adaptive Card forms (Slack's modals) and the Home card, through the fake Bot Connector
with the real SDK: each form opened, a submit with errors (the card updated in place, values
kept, errors under their fields), a submit that succeeds (the card replaced by the result without
buttons, and the database), forged submits (nothing written), and the Home card by role."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import texts
from bot.models import Meeting, MeetingFeedback, Person, Poll, Seat
from bot.replies import (
    Action,
    Button,
    FeedbackField,
    FeedbackFormRequest,
    Home,
    HomeAction,
    HomeHeader,
    HomeSection,
    MeetingField,
    PollField,
    RegistrationField,
    Result,
    ResultKind,
    user_text,
)
from handlers.teams import cards
from handlers.teams.cards import ACTION_KEY, VALUE_KEY
from handlers.teams.forms import (
    FORM_KEY,
    GO_AHEAD_KEY,
    NUMBER_KEY,
    FormId,
    feedback_card,
    home_card,
    read_submit,
)
from handlers.teams.inbound import read_activity
from tests.support.fake_bot_connector import Member, Sent
from tests.test_teams_inbound import ANNA, PERSONAL, SARA, Bot, _bot
from tests.test_teams_inbound import bot as bot

SARA_CHAT = "a:personal-sara"
AARHUS = "751"


@pytest.fixture
def teams(bot: Bot) -> Iterator[Bot]:
    bot.fake.add_channel(SARA_CHAT)
    yield bot


def _chat(sender: Member) -> str:
    return SARA_CHAT if sender is SARA else PERSONAL


def _say(bot: Bot, text: str, sender: Member = ANNA) -> Sent:
    chat = _chat(sender)
    before = len(bot.fake.activities(chat))
    bot.send(bot.message(text, sender=sender, conversation=chat))
    bot.wait_for(lambda: len(bot.fake.activities(chat)) > before, f"the answer to {text}")
    return bot.fake.activities(chat)[-1]


def _submit(bot: Bot, card: Sent, values: dict[str, Any], sender: Member = ANNA) -> Sent:
    """Submit the form card as Teams does: its action's data merged with the inputs."""
    chat = _chat(sender)
    (content,) = card.cards
    data = dict(content["actions"][0]["data"])
    before = (card.updated, len(bot.fake.activities(chat)))
    bot.send(
        bot.message(
            "", sender=sender, conversation=chat, value={**data, **values}, reply_to=card.id
        )
    )

    def answered() -> bool:
        now = bot.fake.find(chat, card.id)
        return now is not None and (now.updated, len(bot.fake.activities(chat))) != before

    bot.wait_for(answered, "the submit's answer")
    found = bot.fake.find(chat, card.id)
    assert found is not None
    return found


def _inputs(content: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["id"]: b for b in content["body"] if str(b.get("type", "")).startswith("Input.")}


def _error_under(content: dict[str, Any], field: str) -> str | None:
    """The error shown right under a field (a TextRun in the attention colour), if any."""
    body = content["body"]
    for index, block in enumerate(body):
        if block.get("id") == field and index + 1 < len(body):
            below = body[index + 1]
            if below.get("type") == "RichTextBlock":
                run = below["inlines"][0]
                if run.get("color") == "Attention":
                    return str(run["text"])
    return None


def _all_text(content: dict[str, Any]) -> str:
    found = []
    for block in content["body"]:
        found.append(str(block.get("text", "")))
        found.extend(str(run.get("text", "")) for run in block.get("inlines", []))
    return "\n".join(found)


def _count(bot: Bot, model: Any) -> int:
    with bot.runtime.core.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _holds_a_seat(bot: Bot, member: Member) -> bool:
    with bot.runtime.core.sessions() as session:
        held = session.scalar(
            select(func.count())
            .select_from(Seat)
            .join(Person, Person.id == Seat.holder_id)
            .where(Person.account == member.object_id)
        )
        return bool(held)


# What Adaptive Cards 1.5 has (and every Teams client shows) of what the forms use.
CARD_1_5_ELEMENTS = {
    "TextBlock",
    "RichTextBlock",
    "TextRun",
    "ActionSet",
    "Input.Text",
    "Input.ChoiceSet",
    "Input.Date",
    "Input.Time",
    "Input.Toggle",
    "Action.Submit",
}


def _valid_card(content: dict[str, Any]) -> None:
    """A 1.5 card of known elements, each input with a unique id, every submit naming a form
    or a button, and under Teams' limit."""
    assert content["type"] == "AdaptiveCard" and content["version"] == "1.5"
    ids: list[str] = []

    def walk(element: dict[str, Any]) -> None:
        assert element["type"] in CARD_1_5_ELEMENTS, element["type"]
        if element["type"].startswith("Input."):
            ids.append(element["id"])
            assert isinstance(element.get("value", ""), str)
        if element["type"] == "Action.Submit":
            assert FORM_KEY in element["data"] or ACTION_KEY in element["data"]
        for child in [*element.get("inlines", []), *element.get("actions", [])]:
            walk(child)

    for element in [*content["body"], *content.get("actions", [])]:
        walk(element)
    assert len(ids) == len(set(ids))
    assert cards.size_of(cards.card_activity(content)) < cards.MAX_ACTIVITY_BYTES


# -- registration ---------------------------------------------------------------------------


def test_tilmeld_opens_the_registration_card_errors_stay_in_it_and_success_replaces_it(
    teams: Bot,
) -> None:
    form = _say(teams, "tilmeld")
    (content,) = form.cards
    _valid_card(content)
    assert content["actions"][0]["data"] == {FORM_KEY: FormId.REGISTRATION}
    inputs = _inputs(content)
    assert {RegistrationField.MUNICIPALITY, RegistrationField.KIND, RegistrationField.TITLE} <= set(
        inputs
    )
    assert any(c["value"] == AARHUS for c in inputs[RegistrationField.MUNICIPALITY]["choices"])
    assert cards.size_of(form.activity) < cards.MAX_ACTIVITY_BYTES
    # No municipality: the same card, updated in place, the typed title kept as data.
    title = "<at>Bo</at> **[klik](https://evil.example)**"
    shown = _submit(
        teams, form, {RegistrationField.MUNICIPALITY: "", RegistrationField.TITLE: title}
    )
    assert shown.updated == 1 and len(teams.fake.activities(PERSONAL)) == 1
    (again,) = shown.cards
    _valid_card(again)
    assert _inputs(again)[RegistrationField.TITLE]["value"] == title
    assert _error_under(again, RegistrationField.MUNICIPALITY)
    assert not _holds_a_seat(teams, ANNA)
    # Aarhus: registered, and the card is the answer, with no buttons left.
    done = _submit(
        teams, shown, {RegistrationField.MUNICIPALITY: AARHUS, RegistrationField.KIND: "auto"}
    )
    assert done.updated == 2
    (result,) = done.cards
    assert "actions" not in result and "Aarhus" in _all_text(result)
    assert not any(b.get("type") == "ActionSet" for b in result["body"])
    assert _holds_a_seat(teams, ANNA)


# -- forged submits -------------------------------------------------------------------------


def test_forged_submits_are_refused_in_danish_and_write_nothing(teams: Bot) -> None:
    form = _say(teams, "tilmeld")
    people = _count(teams, Person)
    forgeries = [
        {FORM_KEY: "admin", RegistrationField.MUNICIPALITY: AARHUS},  # no such form
        {FORM_KEY: FormId.REGISTRATION, RegistrationField.MUNICIPALITY: AARHUS, "role": "x"},
        {
            FORM_KEY: FormId.REGISTRATION,
            RegistrationField.MUNICIPALITY: AARHUS,
            "title": "x" * 10_000,
        },
        {FORM_KEY: FormId.MEETING, MeetingField.TITLE: "x", NUMBER_KEY: "1 OR 1=1"},
    ]
    for index, value in enumerate(forgeries, start=1):
        teams.send(teams.message("", value=value, reply_to=form.id))
        wanted = 1 + index
        teams.wait_for(lambda: len(teams.fake.activities(PERSONAL)) == wanted, "the refusal")  # noqa: B023
        answer = teams.fake.activities(PERSONAL)[-1]
        (refusal,) = answer.cards
        assert "intet er gemt" in _all_text(refusal)
    assert not _holds_a_seat(teams, ANNA)
    assert _count(teams, Person) == people
    assert teams.fake.find(PERSONAL, form.id).updated == 0  # type: ignore[union-attr]


def test_reading_a_submit_is_strict() -> None:
    assert read_submit({FORM_KEY: "poll", PollField.QUESTION: "Hvad?"}) is not None
    assert read_submit({FORM_KEY: "poll", PollField.QUESTION: 7}) is None  # not text
    assert read_submit({FORM_KEY: "poll", MeetingField.TITLE: "x"}) is None  # another form's
    assert read_submit({PollField.QUESTION: "Hvad?"}) is None  # no form named


# -- meetings -------------------------------------------------------------------------------


def test_a_facilitator_creates_a_meeting_through_its_card(teams: Bot) -> None:
    form = _say(teams, "møde opret", SARA)
    (content,) = form.cards
    _valid_card(content)
    inputs = _inputs(content)
    assert inputs[MeetingField.DATE]["type"] == "Input.Date"
    assert inputs[MeetingField.TIME]["type"] == "Input.Time"
    assert cards.size_of(form.activity) < cards.MAX_ACTIVITY_BYTES
    meeting = {
        MeetingField.TITLE: "Opstartsmøde",
        MeetingField.DATE: "2027-13-45",
        MeetingField.TIME: "10:00",
        MeetingField.END: "12:00",
        MeetingField.FORMAT: "online",
        MeetingField.LINK: "https://meet.example/klima",
    }
    shown = _submit(teams, form, meeting, SARA)
    (again,) = shown.cards
    assert _error_under(again, MeetingField.DATE)
    assert _inputs(again)[MeetingField.TITLE]["value"] == "Opstartsmøde"
    assert _count(teams, Meeting) == 0
    # A Saturday: the card again with the warning, to be saved as it is.
    warned = _submit(teams, shown, {**meeting, MeetingField.DATE: "2027-01-16"}, SARA)
    (warning,) = warned.cards
    _valid_card(warning)
    assert warning["actions"][0]["data"][GO_AHEAD_KEY]
    assert _inputs(warning)[MeetingField.DATE]["value"] == "2027-01-16"
    assert _count(teams, Meeting) == 0
    done = _submit(teams, warned, {**meeting, MeetingField.DATE: "2027-01-16"}, SARA)
    (result,) = done.cards
    assert "actions" not in result and "Opstartsmøde" in _all_text(result)
    assert _count(teams, Meeting) == 1
    # `møde ret 1` opens the same card for that meeting, filled in.
    edit = _say(teams, "møde ret 1", SARA)
    (edit_card,) = edit.cards
    assert edit_card["actions"][0]["data"][NUMBER_KEY] == "1"
    assert _inputs(edit_card)[MeetingField.TITLE]["value"] == "Opstartsmøde"


# -- polls ----------------------------------------------------------------------------------


def test_a_facilitator_opens_a_poll_through_its_card(teams: Bot) -> None:
    form = _say(teams, "afstemning opret", SARA)
    (content,) = form.cards
    _valid_card(content)
    assert content["actions"][0]["data"] == {FORM_KEY: FormId.POLL}
    poll = {
        PollField.QUESTION: "Hvilket tema til efterårsmødet?",
        PollField.OPTIONS: "Klimatilpasning",  # one option: too few
        PollField.DATE: "2026-12-20",
        PollField.TIME: "12:00",
        PollField.MULTIPLE: "false",
    }
    shown = _submit(teams, form, poll, SARA)
    (again,) = shown.cards
    assert _error_under(again, PollField.OPTIONS)
    assert _count(teams, Poll) == 0
    done = _submit(teams, shown, {**poll, PollField.OPTIONS: "Klimatilpasning\nAffald"}, SARA)
    assert "actions" not in done.cards[0]
    assert _count(teams, Poll) == 1


# -- fagområder -----------------------------------------------------------------------------


def test_the_themes_button_opens_the_themes_card(teams: Bot) -> None:
    _say(teams, "tilmeld Aarhus")
    answer = _say(teams, "fagområder")
    (content,) = answer.cards
    buttons = [a for a in content.get("actions", []) if a["data"][ACTION_KEY] == HomeAction.THEMES]
    assert buttons
    click = teams.message("", value=buttons[0]["data"], reply_to=answer.id)
    teams.send(click)
    teams.wait_for(lambda: len(teams.fake.activities(PERSONAL)) == 3, "the themes card")
    form = teams.fake.activities(PERSONAL)[-1]
    (card,) = form.cards
    _valid_card(card)
    assert card["actions"][0]["data"] == {FORM_KEY: FormId.THEMES}
    field = _inputs(card)[RegistrationField.THEMES]  # the network's fagområder
    first = field["choices"][0]
    done = _submit(teams, form, {RegistrationField.THEMES: first["value"]})
    assert "actions" not in done.cards[0]
    mine = _say(teams, "fagområder")
    assert first["title"] in (_all_text(mine.cards[0]) if mine.cards else mine.text)
    assert {VALUE_KEY, ACTION_KEY} <= set(buttons[0]["data"])


# -- the Home card --------------------------------------------------------------------------


def test_hjem_shows_a_members_home_and_a_facilitators_extra_sections(teams: Bot) -> None:
    _say(teams, "tilmeld Aarhus")
    home = _say(teams, "hjem")
    (content,) = home.cards
    _valid_card(content)
    text = _all_text(content)
    assert "Aarhus" in text
    assert cards.size_of(home.activity) < cards.MAX_ACTIVITY_BYTES
    facilitator = _all_text(_say(teams, "hjem", SARA).cards[0])
    assert facilitator != text
    # The network at a glance, by region (Aarhus is in Midtjylland).
    assert "Region Midtjylland" in facilitator and "Region Midtjylland" not in text


def test_installing_the_app_sends_the_home_once(teams: Bot) -> None:
    installed = teams.message("", activity_id="install-home")
    installed.update(type="installationUpdate", action="add")
    teams.send(installed)
    teams.wait_for(lambda: bool(teams.fake.activities(PERSONAL)), "the welcome")
    (content,) = teams.fake.activities(PERSONAL)[0].cards
    register = [
        a
        for block in content["body"]
        if block.get("type") == "ActionSet"
        for a in block["actions"]
        if a["data"][ACTION_KEY] == HomeAction.REGISTER
    ]
    assert register  # not a member yet: the Home offers to register
    teams.send(installed)  # Teams' retry
    time.sleep(0.3)
    assert len(teams.fake.activities(PERSONAL)) == 1
    # Its Tilmeld button opens the registration card.
    teams.send(
        teams.message("", value=register[0]["data"], reply_to=teams.fake.activities(PERSONAL)[0].id)
    )
    teams.wait_for(lambda: len(teams.fake.activities(PERSONAL)) == 2, "the form")
    (form,) = teams.fake.activities(PERSONAL)[1].cards
    assert form["actions"][0]["data"] == {FORM_KEY: FormId.REGISTRATION}
    assert teams.fake.activities(PERSONAL)[0].updated == 0  # the Home stays as it was
    # Any Home button is answered so: a new message, never the Home replaced.
    incoming = read_activity(teams.message("", value=register[0]["data"], reply_to="home-1"))
    assert incoming is not None and incoming.action is not None and incoming.clicked is None


def test_a_nudges_tilmeld_en_kollega_opens_the_registration_card_filled_in(teams: Bot) -> None:
    """The nudge's button (value ``<municipality>:<seat kind>``) opens Teams' registration card
    with both chosen; a forged value fills in nothing."""
    shown = len(teams.fake.activities(PERSONAL))
    for value, municipality, kind in (
        (f"{AARHUS}:flexible", AARHUS, "flexible"),
        ("99999:throne", "", "auto"),
    ):
        data = {ACTION_KEY: HomeAction.REGISTER_PREFILLED, VALUE_KEY: value}
        teams.send(teams.message("", value=data, reply_to="nudge-1"))
        shown += 1
        teams.wait_for(lambda n=shown: len(teams.fake.activities(PERSONAL)) == n, "the form")
        (form,) = teams.fake.activities(PERSONAL)[-1].cards
        _valid_card(form)
        assert form["actions"][0]["data"] == {FORM_KEY: FormId.REGISTRATION}
        inputs = _inputs(form)
        assert inputs[RegistrationField.MUNICIPALITY].get("value", "") == municipality
        assert inputs[RegistrationField.KIND]["value"] == kind
    assert not _holds_a_seat(teams, ANNA)


def test_the_feedback_card_checks_its_answers_and_refuses_a_meeting_one_was_not_at(
    teams: Bot,
) -> None:
    """ "Skriv en kommentar" opens Teams' feedback card; its answers are checked as in Slack's
    modal (errors under the fields, the typed comment kept as data), and the meeting's own rules
    (who was there) refuse the rest with nothing saved."""
    request = FeedbackFormRequest(meeting_id=7, number=1, meeting="Forårsmødet", rating=4)
    content = feedback_card(request)
    _valid_card(content)
    assert content["actions"][0]["data"] == {FORM_KEY: FormId.FEEDBACK, NUMBER_KEY: "7"}
    assert _inputs(content)[FeedbackField.RATING]["value"] == "4"
    _say(teams, "hjem")  # Anna has written to Klimanet: her chat is known
    # Opened from a DM about a meeting Anna was not at: the DM shows the reason, no form.
    dm = teams.runtime.notifier.post_card(ANNA.object_id, content)
    count = len(teams.fake.activities(PERSONAL))
    data = {ACTION_KEY: HomeAction.FEEDBACK_FORM, VALUE_KEY: "1"}
    teams.send(teams.message("", value=data, reply_to=dm.ts))

    def told() -> bool:
        found = teams.fake.find(PERSONAL, dm.ts)
        return found is not None and found.updated == 1

    teams.wait_for(told, "the answer")
    assert len(teams.fake.activities(PERSONAL)) == count  # no form came
    # The card as Teams sends it: a rating out of range and no comment stay in the card.
    card = teams.runtime.notifier.post_card(ANNA.object_id, content)
    sent = teams.fake.find(PERSONAL, card.ts)
    assert sent is not None
    comment = "<at>Bo</at> **se** https://evil.example"
    shown = _submit(teams, sent, {FeedbackField.RATING: "9", FeedbackField.COMMENT: ""})
    (again,) = shown.cards
    assert _error_under(again, FeedbackField.RATING) and _error_under(again, FeedbackField.COMMENT)
    done = _submit(teams, shown, {FeedbackField.RATING: "5", FeedbackField.COMMENT: comment})
    (answer,) = done.cards
    assert "actions" not in answer and "møde" in _all_text(answer).lower()
    assert _count(teams, MeetingFeedback) == 0


_ = _bot  # the fixture's builder, imported with it


def test_a_home_too_long_for_teams_is_cut_short_under_80_kb() -> None:
    sections = tuple(
        HomeSection(user_text("Å" * 3_000), buttons=(Button("Se alle", Action.SEE_ALL, "offers"),))
        for _ in range(40)
    )
    home = Home("u", (HomeHeader("Klimanet"), *sections), Result(ResultKind.HOME))
    content = home_card(home)
    assert cards.size_of(cards.card_activity(content)) <= cards.MAX_ACTIVITY_BYTES
    assert texts.teams.TEAMS_CUT_SHORT in _all_text(content)
    assert 1 < len(content["body"]) < 1 + 3 * 40  # cut, not emptied
