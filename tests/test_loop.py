"""The loop after a meeting, played out on the clock on both engines: material to the channel
and to the meeting's seat holders and substitutes (once; later material updates the channel's
post in place), the facilitators' attendance list when the meeting ends, and "Hvordan var
mødet?" the day after to those who came. Delivered to the in-memory notifier: this is about
who gets what and when, not about a platform."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import ConfigError, Settings
from bot.domain.errors import ErrorKind
from bot.domain.registration import Actor
from bot.models import MeetingFeedback, OutboxMessage, Person, SeatKind
from bot.posts.kinds import PostKind
from bot.replies import Action, HomeAction, RegistrationFormRequest, Reply, ResultKind
from bot.runtime import Core, build_core
from tests.support.actors import FACILITATOR, mention, named
from tests.support.deliverybot import CHANNEL, memory_delivery
from tests.support.memory_notifier import MemoryNotifier
from tests.support.seats import pending_offer_to, pending_request_of
from tests.support.service import arrange, click, done, refused, say

P = {n: named(n) for n in ("Anna", "Bo", "Carl", "Dorte", "Eva", "Frank", "Gitte")}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Bot:
    def __init__(self, core: Core, notifier: MemoryNotifier, clock: FixedClock, settings: Settings):
        self.core, self.notifier, self.clock = core, notifier, clock
        self.delivery = memory_delivery(core, notifier, settings, clock)
        self.service = core.service

    def at(self, when: datetime) -> None:
        self.clock.set(when)
        self.delivery.drain()

    def dms(self, marker: str, since: int = 0) -> list[str]:
        return sorted(
            m.recipient
            for m in self.notifier.sent()[since:]
            if m.recipient != CHANNEL and marker in m.text
        )

    def channel(self, marker: str) -> list[str]:
        return [t for t in self.notifier.texts(CHANNEL) if marker in t]

    def id_of(self, name: str) -> int:
        with self.core.sessions() as session:
            found = session.scalar(select(Person.id).where(Person.account == P[name].user_id))
        assert found is not None
        return found

    def message_to(self, user: str, marker: str) -> Reply:
        found = [m for m in self.notifier.sent(user) if marker in m.text]
        assert len(found) == 1, (user, marker, len(found))
        return found[0].reply


@pytest.fixture
def bot(database_url: str, clock: FixedClock) -> Iterator[Bot]:
    settings = Settings(
        database_url=database_url,
        channel=CHANNEL,
        admins=frozenset({FACILITATOR.user_id}),
        registration="approval",
    )
    core = build_core(settings, clock)
    bot = Bot(core, MemoryNotifier(clock=clock), clock, settings)
    try:
        yield bot
    finally:
        bot.delivery.close()
        core.engine.dispose()


def _meeting_with_people(bot: Bot) -> None:
    """Aarhus: Anna (coordinator), Bo (regrets), Carl (regrets, Dorte substitutes).
    Odense: Eva (coordinator), Frank (pending: never approved)."""
    service, sessions = bot.service, bot.core.sessions
    for name, town in [("Anna", "Aarhus"), ("Bo", "Aarhus"), ("Carl", "Aarhus"),
                       ("Eva", "Odense"), ("Frank", "Odense")]:  # fmt: skip
        say(service, P[name], f"tilmeld {town}")
    for name in ("Anna", "Bo", "Carl", "Eva"):
        request = pending_request_of(sessions, P[name])
        assert request is not None
        done(click(service, FACILITATOR, "request_approve", request), ResultKind.REQUEST_APPROVED)
    arrange(service, FACILITATOR, 'møde opret 15.03.2027 10:00-12:00 online "Vintermøde" link=https://m.example/1')  # fmt: skip
    bot.at(utc(2027, 3, 10, 12, 0))
    done(say(service, P["Bo"], "afbud 1"), ResultKind.REGRETS_SAVED)
    say(service, P["Carl"], f"afbud 1 {mention(P['Dorte'])}")
    bot.delivery.drain()
    offer = pending_offer_to(sessions, P["Dorte"])
    assert offer is not None
    done(click(service, P["Dorte"], "offer_accept", offer), ResultKind.OFFER_ACCEPTED)


def test_a_meeting_from_its_end_to_material_attendance_and_feedback(bot: Bot) -> None:
    _meeting_with_people(bot)
    service = bot.service

    # Before the meeting: material is kept, nothing is sent; attendance cannot be marked yet.
    saved = say(service, FACILITATOR, "materiale 1 https://kl.dk/oplaeg.pdf Oplæg fra KL")
    done(saved, ResultKind.MATERIAL_SAVED)
    refused(say(service, FACILITATOR, "fremmøde 1"), ErrorKind.MEETING_NOT_HELD)
    refused(say(service, P["Anna"], "feedback 1 4"), ErrorKind.MEETING_NOT_HELD)
    refused(say(service, P["Anna"], "materiale 1 https://kl.dk/x.pdf"), ErrorKind.NOT_FACILITATOR)
    mark = len(bot.notifier.sent())
    bot.at(utc(2027, 3, 15, 10, 59))  # the meeting (09:00–11:00 UTC) has not ended
    assert bot.dms("Materialet", mark) == [] and bot.channel("Materiale fra") == []

    # The meeting ends: within the minute, the material goes to the channel once and to every
    # seat holder and accepted substitute (Bo and Carl sent regrets; Frank is pending).
    bot.at(utc(2027, 3, 15, 11, 0, 30))
    assert len(bot.channel("Materiale fra")) == 1
    assert "https://kl.dk/oplaeg.pdf" in bot.channel("Materiale fra")[0]
    holders = ["U0ANNA", "U0BO", "U0CARL", "U0DORTE", "U0EVA"]
    assert bot.dms("Materialet fra mødet", mark) == holders
    # …and the facilitators the attendance list, pre-filled from the answers.
    listing = bot.message_to(FACILITATOR.user_id, "Fremmøde ved")
    assert "Bo" in listing.text and "meldte afbud" in listing.text
    toggles = [b for b in listing.buttons if b.action_id == Action.PRESENCE_TOGGLE]
    assert len(toggles) == 4  # Anna, Dorte, Eva expected; Bo's regrets
    assert {int(b.value.split(":")[1]) for b in toggles} == {
        bot.id_of(n) for n in ("Anna", "Bo", "Dorte", "Eva")
    }

    # A second link: the channel's post is updated in place, nobody gets a new message.
    sent_before = len(bot.notifier.sent())
    say(service, FACILITATOR, "materiale 1 https://kl.dk/referat.pdf Referat")
    bot.delivery.drain()
    assert len(bot.notifier.sent()) == sent_before
    (post,) = [m for m in bot.notifier.messages(CHANNEL) if "Materiale fra" in m.text]
    assert post.updated == 1 and "referat.pdf" in post.text and "oplaeg.pdf" in post.text
    refused(say(service, FACILITATOR, "materiale 1 javascript:alert(1)"), ErrorKind.LINK_INVALID)

    # Attendance: Eva did not come after all. A forged value naming Frank (pending) is refused.
    meeting_id = int(toggles[0].value.split(":")[0])
    marked = click(service, FACILITATOR, Action.PRESENCE_TOGGLE, f"{meeting_id}:{bot.id_of('Eva')}")
    done(marked, ResultKind.PRESENCE_MARKED)
    assert marked.result is not None and marked.result.ids["present"] == 0
    forged = click(service, FACILITATOR, Action.PRESENCE_TOGGLE, f"{meeting_id}:{bot.id_of('Frank')}")  # fmt: skip
    refused(forged, ErrorKind.NOT_ON_ATTENDANCE_LIST)
    refused(
        click(service, P["Anna"], Action.PRESENCE_TOGGLE, f"{meeting_id}:{bot.id_of('Eva')}"),
        ErrorKind.NOT_FACILITATOR,
    )
    # Until it is confirmed, the overviews show the answers, and say so.
    assert "efter svarene" in service.home(FACILITATOR).text
    assert "ikke bekræftet" in say(service, FACILITATOR, "overblik deltagelse").text
    confirmed = say(service, FACILITATOR, "fremmøde 1 bekræft")
    done(confirmed, ResultKind.PRESENCE_CONFIRMED)
    assert confirmed.result is not None and confirmed.result.ids["present"] == 2  # Anna, Dorte
    again = click(service, FACILITATOR, Action.PRESENCE_CONFIRM, meeting_id)
    assert again.result is not None and again.result.ids["confirmed"] == 0

    # The day after, 10:00 in Copenhagen: "Hvordan var mødet?" to those who came, once.
    mark = len(bot.notifier.sent())
    bot.at(utc(2027, 3, 16, 8, 59))
    assert bot.dms("Hvordan var mødet?", mark) == []
    bot.at(utc(2027, 3, 16, 9, 0))
    assert bot.dms("Hvordan var mødet?", mark) == ["U0ANNA", "U0DORTE"]
    bot.at(utc(2027, 3, 17, 9, 0))
    assert bot.dms("Hvordan var mødet?", mark) == ["U0ANNA", "U0DORTE"]

    # Answering twice replaces; a comment is anonymous unless signed.
    question = bot.message_to("U0ANNA", "Hvordan var mødet?")
    four = next(b for b in question.buttons if b.value.endswith(":4"))
    done(click(service, P["Anna"], Action.FEEDBACK_RATE, four.value), ResultKind.FEEDBACK_SAVED)
    done(say(service, P["Anna"], "feedback 1 5 navn Godt og konkret"), ResultKind.FEEDBACK_SAVED)
    done(say(service, P["Dorte"], "feedback 1 2 For langt"), ResultKind.FEEDBACK_SAVED)
    # Eva was marked absent; Bo sent regrets; forged ratings name no number from 1 to 5.
    refused(say(service, P["Eva"], "feedback 1 3"), ErrorKind.NOT_AT_MEETING)
    refused(say(service, P["Bo"], "feedback 1 3"), ErrorKind.NOT_AT_MEETING)
    refused(click(service, P["Dorte"], Action.FEEDBACK_RATE, f"{meeting_id}:9"), ErrorKind.FEEDBACK_RATING_INVALID)  # fmt: skip
    with bot.core.sessions() as session:
        ratings = sorted(r.rating for r in session.scalars(select(MeetingFeedback)))
    assert ratings == [2, 5]

    summary = say(service, FACILITATOR, "feedback 1")
    done(summary, ResultKind.FEEDBACK_SUMMARY)
    assert summary.result is not None and summary.result.ids["count"] == 2
    assert "3,5" in summary.text and "Godt og konkret – Anna" in summary.text
    assert "For langt" in summary.text and "Dorte" not in summary.text
    # A member cannot read the feedback.
    assert say(service, P["Anna"], "feedback 1").result.kind is ResultKind.REFUSED  # type: ignore[union-attr]

    # KL's overviews: who came (confirmed), the feedback without the unsigned names.
    overview = say(service, FACILITATOR, "overblik deltagelse")
    assert "Fremmøde bekræftet" in overview.text and "#1" in overview.text
    exported = say(service, FACILITATOR, "eksport deltagelse csv")
    assert exported.attachment is not None
    table = exported.attachment.content.decode("utf-8-sig")
    assert "bekræftet" in table and "kom ikke" in table  # Odense: Eva did not come
    feedback_file = say(service, FACILITATOR, "eksport feedback csv")
    assert feedback_file.attachment is not None
    answers = feedback_file.attachment.content.decode("utf-8-sig").splitlines()
    assert len(answers) == 3 and "Anna" in answers[1] + answers[2]
    assert not any("Dorte" in line for line in answers)
    spreadsheet = say(service, FACILITATOR, "eksport feedback")  # a spreadsheet unless told
    assert spreadsheet.attachment is not None
    workbook = load_workbook(io.BytesIO(spreadsheet.attachment.content), read_only=True)
    assert workbook.sheetnames == ["Feedback"]
    rows = list(workbook["Feedback"].iter_rows(values_only=True))
    assert len(rows) == 3  # the headers and the two answers
    shown_feedback = say(service, FACILITATOR, "overblik feedback 1")
    done(shown_feedback, ResultKind.FEEDBACK_SUMMARY, count=2)
    refused(say(service, P["Anna"], "eksport feedback csv"), ErrorKind.NOT_FACILITATOR)
    home = service.home(FACILITATOR)
    assert "Fremmøde (bekræftet): 2 af 4 kom" in home.text and "3,5" in home.text
    assert "referat.pdf" in service.home(P["Bo"]).text

    # `møder 1` shows the past meeting's material.
    shown = say(service, P["Bo"], "møder 1")
    assert "referat.pdf" in shown.text and "oplaeg.pdf" in shown.text

    # Nothing of it was sent twice.
    with bot.core.sessions() as session:
        keys = list(session.scalars(select(OutboxMessage.key)))
    assert len(keys) == len(set(keys))
    assert bot.notifier.texts(CHANNEL).count(bot.channel("Materiale fra")[0]) == 1


def test_a_cancelled_meeting_has_no_loop(bot: Bot) -> None:
    _meeting_with_people(bot)
    service = bot.service
    say(service, FACILITATOR, "møde aflys 1 bekræft Sygdom")
    mark = len(bot.notifier.sent())
    bot.at(utc(2027, 3, 16, 12, 0))
    assert bot.dms("Fremmøde", mark) == [] and bot.dms("Hvordan var mødet?", mark) == []
    refused(say(service, P["Anna"], "feedback 1 4"), ErrorKind.MEETING_CANCELLED_FEEDBACK)
    refused(say(service, FACILITATOR, "fremmøde 1"), ErrorKind.MEETING_CANCELLED)
    refused(
        say(service, FACILITATOR, "materiale 1 https://kl.dk/a.pdf"), ErrorKind.MEETING_CANCELLED
    )
    with bot.core.sessions() as session:
        kinds = set(
            session.scalars(select(OutboxMessage.kind).where(OutboxMessage.status == "sent"))
        )
    assert not kinds & {PostKind.ATTENDANCE_DM, PostKind.FEEDBACK_DM, PostKind.MATERIAL}


def test_a_moved_meeting_takes_its_material_and_loop_along(bot: Bot) -> None:
    """Material added before a meeting that is then moved (twice: later, then earlier) goes out
    when the meeting as it is now ends; so do the attendance list and the feedback: each once,
    none at a time the meeting no longer has."""
    _meeting_with_people(bot)
    service = bot.service
    done(say(service, FACILITATOR, "materiale 1 https://kl.dk/oplaeg.pdf"), ResultKind.MATERIAL_SAVED)  # fmt: skip
    done(arrange(service, FACILITATOR, "møde flyt 1 22.03.2027 10:00-12:00"), ResultKind.MEETING_MOVED)  # fmt: skip
    done(arrange(service, FACILITATOR, "møde flyt 1 17.03.2027 10:00-12:00"), ResultKind.MEETING_MOVED)  # fmt: skip
    mark = len(bot.notifier.sent())
    bot.at(utc(2027, 3, 16, 12, 0))  # the first time's end and the day after it: nothing
    assert bot.channel("Materiale fra") == [] and bot.dms("Materialet fra mødet", mark) == []
    assert bot.dms("Fremmøde ved", mark) == [] and bot.dms("Hvordan var mødet?", mark) == []
    bot.at(utc(2027, 3, 17, 10, 59))
    assert bot.channel("Materiale fra") == [] and bot.dms("Fremmøde ved", mark) == []
    bot.at(utc(2027, 3, 17, 11, 0, 30))  # the meeting as it is now has ended
    assert len(bot.channel("Materiale fra")) == 1
    assert bot.dms("Materialet fra mødet", mark) == ["U0ANNA", "U0BO", "U0CARL", "U0DORTE", "U0EVA"]  # fmt: skip
    assert bot.dms("Fremmøde ved", mark) == [FACILITATOR.user_id]
    bot.at(utc(2027, 3, 18, 9, 0))
    assert bot.dms("Hvordan var mødet?", mark) == ["U0ANNA", "U0DORTE", "U0EVA"]
    bot.at(utc(2027, 3, 24, 12, 0))  # past the second time's end and its day after: no more
    assert len(bot.channel("Materiale fra")) == 1
    assert len(bot.dms("Materialet fra mødet", mark)) == 5
    assert bot.dms("Fremmøde ved", mark) == [FACILITATOR.user_id]
    assert bot.dms("Hvordan var mødet?", mark) == ["U0ANNA", "U0DORTE", "U0EVA"]
    with bot.core.sessions() as session:
        pending = session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == "pending"))
    assert pending is None


def test_material_of_a_cancelled_meeting_goes_nowhere(bot: Bot) -> None:
    _meeting_with_people(bot)
    service = bot.service
    done(say(service, FACILITATOR, "materiale 1 https://kl.dk/oplaeg.pdf"), ResultKind.MATERIAL_SAVED)  # fmt: skip
    arrange(service, FACILITATOR, "møde flyt 1 17.03.2027 10:00-12:00")
    say(service, FACILITATOR, "møde aflys 1 bekræft Sygdom")
    mark = len(bot.notifier.sent())
    bot.at(utc(2027, 3, 18, 12, 0))
    assert bot.channel("Materiale fra") == [] and bot.dms("Materialet fra mødet", mark) == []


# -- nudges before a meeting ---------------------------------------------------------------------


NUDGE = "er sendt ud. Mødets temaer"


def _themed_meeting(bot: Bot) -> None:
    """Aarhus fills every seat; Odense has Eva only (two free flexible seats); Vejle has Hans and
    a pending applicant (one free). A meeting with a theme on Monday 15 March 2027."""
    service, sessions = bot.service, bot.core.sessions
    people = [("Anna", "Aarhus"), ("Bo", "Aarhus"), ("Carl", "Aarhus"), ("Eva", "Odense"),
              ("Hans", "Vejle"), ("Frank", "Vejle")]  # fmt: skip
    for name, town in people:
        say(service, named(name), f"tilmeld {town}")
    for name in ("Anna", "Bo", "Carl", "Eva", "Hans"):
        request = pending_request_of(sessions, named(name))
        assert request is not None
        done(click(service, FACILITATOR, "request_approve", request), ResultKind.REQUEST_APPROVED)
    arrange(service, FACILITATOR, 'møde opret 15.03.2027 10:00-12:00 online "Affaldsmøde" tema=affald link=https://m.example/1')  # fmt: skip


def test_nudges_go_once_to_the_right_people(bot: Bot) -> None:
    _themed_meeting(bot)
    service = bot.service
    # The agenda goes out 7 days before at 09:00 (Monday 8 March): with it, the coordinators of
    # the municipalities with a free flexible seat, once each.
    bot.at(utc(2027, 3, 8, 7, 59))
    assert bot.dms(NUDGE) == []
    bot.at(utc(2027, 3, 8, 8, 0))
    assert bot.dms(NUDGE) == ["U0EVA", "U0HANS"]
    eva = bot.message_to("U0EVA", NUDGE)
    assert "2 ledige fleksible pladser" in eva.text and "tilmeld Odense fleksibel" in eva.text
    assert "en ledig fleksibel plads" in bot.message_to("U0HANS", NUDGE).text
    # A move (before the meeting) plans everything again: nobody is nudged twice.
    arrange(service, FACILITATOR, "møde flyt 1 16.03.2027 10:00-12:00")
    bot.delivery.drain()
    # Two days before at 15:00: the facilitators, once, with who has not answered and which
    # municipalities will have nobody. Bo says yes; Hans sends regrets (Vejle: nobody).
    bot.at(utc(2027, 3, 14, 8, 30))
    say(service, named("Bo"), "deltager 1")
    say(service, named("Hans"), "afbud 1")
    bot.at(utc(2027, 3, 14, 13, 59))
    assert bot.dms("Om to dage") == []
    bot.at(utc(2027, 3, 14, 14, 0))
    assert bot.dms("Om to dage") == [FACILITATOR.user_id]
    nudge = bot.message_to(FACILITATOR.user_id, "Om to dage")
    unanswered = nudge.sections[1]
    assert "Anna" in unanswered and "Carl" in unanswered and "Eva" in unanswered
    assert "Bo" not in unanswered and "Hans" not in unanswered and "Frank" not in unanswered
    assert "Vejle" in nudge.sections[2] and "Aarhus" not in nudge.sections[2]
    bot.at(utc(2027, 3, 17, 12, 0))
    assert bot.dms(NUDGE) == ["U0EVA", "U0HANS"]
    assert bot.dms("Om to dage") == [FACILITATOR.user_id]


def test_no_nudge_for_a_cancelled_meeting_nor_when_turned_off(
    database_url: str, clock: FixedClock
) -> None:
    for nudges, cancel in ((True, True), (False, False)):
        settings = Settings(
            database_url=database_url,
            channel=CHANNEL,
            admins=frozenset({FACILITATOR.user_id}),
            registration="approval",
            nudges=nudges,
        )
        core = build_core(settings, clock)
        bot = Bot(core, MemoryNotifier(clock=clock), clock, settings)
        try:
            if cancel:
                _themed_meeting(bot)
                say(bot.service, FACILITATOR, "møde aflys 1 bekræft Sygdom")
            else:
                # The same database (Eva still has free seats): a second meeting, nudges off.
                bot.clock.set(utc(2027, 3, 20, 12, 0))
                created = arrange(bot.service, FACILITATOR, 'møde opret 15.04.2027 10:00-12:00 online "Igen" tema=affald link=https://m.example/2')  # fmt: skip
                done(created, ResultKind.MEETING_CREATED, meeting=2)
            month = 3 if cancel else 4
            for day, hour in ((8, 8), (13, 8), (13, 14), (20, 12)):
                bot.at(utc(2027, month, day, hour, 0, 30))
            assert bot.dms(NUDGE) == [] and bot.dms("Om to dage") == []
            if not cancel:  # …while the meeting's other posts went out as usual
                assert bot.dms("Kommer du stadig?") != []
        finally:
            bot.delivery.close()
            core.engine.dispose()


def test_the_nudges_setting() -> None:
    assert Settings.from_env({}).nudges is True
    assert Settings.from_env({"KLIMANET_NUDGES": "OFF"}).nudges is False
    with pytest.raises(ConfigError, match="KLIMANET_NUDGES"):
        Settings.from_env({"KLIMANET_NUDGES": "sometimes"})


def test_erasure_keeps_the_rating_and_drops_the_comment(bot: Bot) -> None:
    _meeting_with_people(bot)
    service = bot.service
    bot.at(utc(2027, 3, 15, 11, 0, 30))
    done(say(service, P["Anna"], "feedback 1 4 navn Godt møde"), ResultKind.FEEDBACK_SAVED)
    asked = say(service, P["Anna"], "slet-mig")
    confirm = next(b for b in asked.buttons if b.action_id == Action.ERASE_CONFIRM)
    done(click(service, P["Anna"], confirm.action_id, confirm.value), ResultKind.ERASED)
    summary = say(service, FACILITATOR, "feedback 1")
    done(summary, ResultKind.FEEDBACK_SUMMARY, count=1)
    assert "Godt møde" not in summary.text and "Anna" not in summary.text


def test_mine_data_holds_the_votes_feedback_calendar_and_attendance_and_erasure_drops_them(
    bot: Bot,
) -> None:
    """What issue 19 stores about a person is in ``mine-data`` (JSON and the Danish document),
    never the calendar link's secret; erasure keeps the municipality's vote without the name,
    the rating without the comment, and revokes the link."""
    import json

    from bot.db import transaction
    from bot.domain.subscriptions import hash_secret, subscribe
    from bot.models import CalendarSubscription, FeedScope, Network, PollBallot

    _meeting_with_people(bot)
    service = bot.service
    bot.at(utc(2027, 3, 15, 11, 0, 30))
    say(service, FACILITATOR, 'afstemning opret "Næste tema?" "Affald" "Mobilitet" luk 30/3 12:00')
    bot.delivery.drain()
    (poll,) = [m.reply for m in bot.notifier.messages(CHANNEL) if "Næste tema?" in m.text]
    second = [b for b in poll.buttons if b.action_id == Action.POLL_VOTE][1]
    done(click(service, P["Anna"], Action.POLL_VOTE, second.value), ResultKind.POLL_VOTED)
    done(say(service, P["Anna"], "feedback 1 4 navn Godt møde"), ResultKind.FEEDBACK_SAVED)
    meeting_id = int(next(b for b in bot.message_to(FACILITATOR.user_id, "Fremmøde ved").buttons if b.action_id == Action.PRESENCE_TOGGLE).value.split(":")[0])  # fmt: skip
    click(service, FACILITATOR, Action.PRESENCE_TOGGLE, f"{meeting_id}:{bot.id_of('Anna')}")
    anna_id = bot.id_of("Anna")
    with transaction(bot.core.sessions) as session:
        network = session.scalars(select(Network)).one()
        anna = session.get(Person, anna_id)
        assert anna is not None
        secret = subscribe(session, network, anna, FeedScope.PERSONAL, bot.clock.now())
    assert secret is not None

    answer = say(service, P["Anna"], "mine-data")
    done(answer, ResultKind.MY_DATA)
    readable, machine = answer.files
    data = json.loads(machine.content.decode("utf-8"))
    assert data["poll_votes"] == [
        {
            "poll": 1,
            "question": "Næste tema?",
            "on_behalf_of": "Aarhus",
            "choices": ["Mobilitet"],
            "cast_at": "2027-03-15T11:00:30+00:00",
        }
    ]
    assert [(f["meeting"]["number"], f["rating"], f["comment"], f["signed"]) for f in data["feedback"]] == [(1, 4, "Godt møde", True)]  # fmt: skip
    assert data["calendar_subscriptions"] == [
        {"scope": "personal", "created_at": "2027-03-15T11:00:30+00:00"}
    ]
    assert [(m["meeting"]["number"], m["present"]) for m in data["attendance_marks"]] == [(1, False)]  # fmt: skip
    for file in (readable, machine):
        content = file.content.decode("utf-8")
        assert secret not in content and hash_secret(secret) not in content
    document = readable.content.decode("utf-8")
    assert "Afgivet for: Aarhus" in document and "Svar: Mobilitet" in document
    assert "Karakter: 4 af 5" in document and "Underskrevet med dit navn: ja" in document
    assert "Kalender: dine møder" in document and "Kom: nej" in document
    assert "kalenderabonnement" in answer.text

    asked = say(service, P["Anna"], "slet-mig")
    confirm = next(b for b in asked.buttons if b.action_id == Action.ERASE_CONFIRM)
    done(click(service, P["Anna"], confirm.action_id, confirm.value), ResultKind.ERASED)
    with bot.core.sessions() as session:
        ballot = session.scalars(select(PollBallot)).one()
        (feedback,) = session.scalars(select(MeetingFeedback))
        links = session.scalars(select(CalendarSubscription)).all()
    assert ballot.municipality_code == 751 and ballot.voter_person_id is None  # Aarhus still voted
    assert (feedback.rating, feedback.comment, feedback.signed) == (4, "", False)
    assert links == []


def _console_as(bot: Bot, actor: Actor, reply: Reply, *lines: str) -> str:
    """``reply``'s buttons offered in the console to ``actor``, then ``lines`` typed there (the
    first usually a button's number); what the console printed."""
    import io

    from handlers.console.console import Console
    from handlers.console.people import ConsoleUser

    stdout = io.StringIO()
    typed = io.StringIO("\n".join(lines) + "\n")
    console = Console(bot.service, ConsoleUser(actor.user_id, actor.name), typed, stdout)
    console.actor = lambda: actor  # type: ignore[method-assign]  # the tests' Slack-shaped people
    numbers = console.choices.offer(actor.user_id, "dm", reply.buttons)
    for number, button in zip(numbers, reply.buttons, strict=True):
        if button.action_id in (HomeAction.FEEDBACK_FORM, HomeAction.REGISTER_PREFILLED):
            console.handle(str(number))
    return stdout.getvalue()


def test_the_feedback_form_in_the_console(bot: Bot) -> None:
    _meeting_with_people(bot)
    bot.at(utc(2027, 3, 16, 9, 0))
    question = bot.message_to("U0ANNA", "Hvordan var mødet?")
    assert [b.action_id for b in question.buttons][-1] == HomeAction.FEEDBACK_FORM
    out = _console_as(bot, P["Anna"], question, "9", "<!channel> se https://evil.example", "ja", "4")  # fmt: skip
    assert "Vælg en karakter fra 1 til 5." in out and "Tak! Din karakter" in out
    with bot.core.sessions() as session:
        (row,) = session.scalars(select(MeetingFeedback))
    assert (row.rating, row.comment, row.signed) == (4, "<!channel> se https://evil.example", True)
    # Someone who was not there gets the reason, not a form.
    out = _console_as(bot, P["Bo"], question)
    assert "Karakter" not in out and "Du var ikke med ved møde #1" in out
    # A platform without the form (the button reaches the service as a click): the command.
    form_button = question.buttons[-1]
    as_command = click(bot.service, P["Anna"], form_button.action_id, form_button.value)
    done(as_command, ResultKind.FORM_AS_COMMAND, meeting=1)
    assert "feedback 1 <1-5>" in as_command.text
    refused(click(bot.service, P["Bo"], form_button.action_id, form_button.value), ErrorKind.NOT_AT_MEETING)  # fmt: skip


def test_the_nudge_opens_the_registration_form_prefilled(bot: Bot) -> None:
    _themed_meeting(bot)
    bot.at(utc(2027, 3, 8, 8, 0))
    nudge = bot.message_to("U0EVA", NUDGE)
    (button,) = nudge.buttons
    assert button.action_id == HomeAction.REGISTER_PREFILLED and button.value == "461:flexible"
    # Eva has a seat: the form would register her; she is told her colleague must do it.
    told = bot.service.open_registration_prefilled(named("Eva"), button.value)
    assert isinstance(told, Reply) and "tilmeld Odense fleksibel" in told.text
    # A colleague clicking it gets the form with Odense and a flexible seat filled in.
    form = bot.service.open_registration_prefilled(named("Gitte"), button.value)
    assert isinstance(form, RegistrationFormRequest)
    assert (form.prefill_municipality, form.prefill_kind) == (461, SeatKind.FLEXIBLE)
    forged = bot.service.open_registration_prefilled(named("Gitte"), "9999:flexible")
    assert isinstance(forged, RegistrationFormRequest) and forged.prefill_municipality is None
    as_command = click(bot.service, named("Gitte"), button.action_id, button.value)
    done(as_command, ResultKind.FORM_AS_COMMAND)
    assert "tilmeld Odense fleksibel" in as_command.text
    out = _console_as(bot, named("Gitte"), nudge, "Klimakonsulent", "")
    assert "Kommune: Odense, en fleksibel plads." in out
    request = pending_request_of(bot.core.sessions, named("Gitte"))
    assert request is not None


def test_a_long_attendance_list_fits_slack(database_url: str, clock: FixedClock) -> None:
    """Forty-five people: the list goes in pieces of at most 20 buttons (Slack allows 25 in a
    row), every payload within Slack's limits."""
    from bot.domain.municipalities import default_directory
    from handlers.slack.blocks import reply_message
    from tests.support.deliverybot import memory_delivery_bot
    from tests.support.payload_limits import validate_message

    with memory_delivery_bot(database_url, clock) as mbot:
        for n, town in enumerate(default_directory().all()[:45]):
            say(mbot.core.service, named(f"P{n:02d}"), f"tilmeld {town.code}")
        arrange(mbot.core.service, FACILITATOR, 'møde opret 15.03.2027 10:00-12:00 online "Stort" link=https://m.example/1')  # fmt: skip
        mbot.at(utc(2027, 3, 15, 11, 0, 30))
        (listing,) = [m.reply for m in mbot.posts(FACILITATOR.user_id) if "Fremmøde ved" in m.text]
        toggles = [b for b in listing.buttons if b.action_id == Action.PRESENCE_TOGGLE]
        assert len(toggles) == 45
        assert max(sum(1 for b in toggles if b.under == i) for i in range(10)) == 20
        validate_message(reply_message(listing))
