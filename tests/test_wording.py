"""The Danish that people read, checked once per message: the sentences exactly as written.

The other service-level tests assert on ``Reply.result`` (what happened, and which rule said
no); these make sure the words stay right: KL's wording, the Danish letters, the dates as Danes
write them. Posts (announcements, reminders, notices) are checked where they are delivered, in
the delivery and Slack tests. Wording does not depend on the database, so this runs on SQLite.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.registration import Actor
from bot.ports import Profile
from bot.replies import FormErrors, Reply, ResultKind
from bot.service.klimanet import Klimanet, RegistrationForm
from bot.service.meetings import MeetingForm
from tests.support.actors import FACILITATOR, mention, mention_of, named
from tests.support.rendering import SlackRead, read_in_slack, slack_read
from tests.support.service import click as service_click
from tests.support.service import done, new_service
from tests.support.service import say as service_say

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ANNA, BO, CARL, DORTE, EVA = (
    named(name) for name in ("Anna Jensen", "Bo Hansen", "Carl Nielsen", "Dorte Lund", "Eva Holm")
)
PROFILES = {a.user_id: Profile(a.name) for a in (ANNA, BO, CARL, DORTE, EVA)}
PROFILES["U0GONE"] = Profile("Gerda Gået", deleted=True)
CREATE = 'møde opret 25.06.2027 10:00-12:00 online "Opstartsmøde" tema=klimaplaner link=https://m.example/1'
# Offers made at the tests' start (27 November 2026 10.00 in Copenhagen) run for 72 hours.
UNTIL = "mandag den 30. november 2026 kl. 10.00"


@pytest.fixture
def klimanet(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    return new_service(sessions, clock, profiles=PROFILES.get)


@pytest.fixture
def approvals(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    return new_service(sessions, clock, registration="approval", profiles=PROFILES.get)


def sections(reply: Reply) -> tuple[str, ...]:
    """The reply's parts as a person reads them in Slack (user text unmarked)."""
    return tuple(slack_read(section) for section in reply.sections)


def say(service: Klimanet, actor: Actor, text: str) -> SlackRead:
    """The reply read as in Slack: the wording here is Slack's (emoji codes, mrkdwn)."""
    return read_in_slack(service_say(service, actor, text))


def click(service: Klimanet, actor: Actor, action: str, value: int | str) -> SlackRead:
    return read_in_slack(service_click(service, actor, action, value))


def first(reply: Reply) -> str:
    return sections(reply)[0]


def test_registration(klimanet: Klimanet) -> None:
    anna = say(klimanet, ANNA, "tilmeld Aarhus")
    assert sections(anna) == (
        ":white_check_mark: Du er tilmeldt Kommunernes klimapolitiske netværk for "
        "*Aarhus Kommune* på den *faste plads*.\n"
        "Aarhus er nu medlem af netværket – velkommen!",
        "*Aarhus Kommune* – 1 af 3 pladser besat\n"
        "• Fast plads: Anna Jensen\n"
        "• Fleksibel plads 1: _ledig_\n"
        "• Fleksibel plads 2: _ledig_",
        "Hvilke fagområder arbejder du med? Vælg dem med knappen eller fx "
        "`/klimanet fagområder affald klimatilpasning` – så kan KL se, hvem der kan hvad.",
    )
    assert anna.context == (
        "Se kommunens pladser med `/klimanet pladser`. "
        "Vil du give din plads fra dig, så skriv `/klimanet afmeld`. "
        "Sådan behandler Klimanet dine oplysninger: `/klimanet privatliv`."
    )
    # Only the first registration makes the municipality a member.
    assert first(say(klimanet, BO, "tilmeld århus")) == (
        ":white_check_mark: Du er tilmeldt Kommunernes klimapolitiske netværk for "
        "*Aarhus Kommune* på den *fleksible plads 1*."
    )
    assert say(klimanet, CARL, "tilmeld 751 fast").text == (
        "Den faste plads i *Aarhus Kommune* er besat af Anna Jensen. Der er en fleksibel plads "
        "ledig – tag den med `/klimanet tilmeld Aarhus fleksibel`."
    )
    say(klimanet, CARL, "tilmeld Aarhus")
    assert say(klimanet, DORTE, "tilmeld Aarhus").text == (
        "*Aarhus Kommune* har allerede alle tre pladser besat: Anna Jensen, Bo Hansen og "
        "Carl Nielsen. En plads kan kun skifte hænder, når pladsholderen afmelder sig "
        "(`/klimanet afmeld`) – tal med en af dem."
    )
    assert say(klimanet, ANNA, "tilmeld Odense").text == (
        "Du er allerede tilmeldt på den *faste plads* i *Aarhus Kommune*. Man kan kun have én "
        "plads i netværket; skriv `/klimanet afmeld` først, hvis du vil skifte."
    )
    assert say(klimanet, DORTE, "tilmeld Silkebrog").text == (
        "Jeg kender ingen kommune, der hedder 'Silkebrog'. Mente du Silkeborg?"
    )
    assert say(klimanet, DORTE, "tilmeld frederiks").text == (
        "'frederiks' passer på flere kommuner: Frederiksberg, Frederikshavn eller "
        "Frederikssund. Skriv hele navnet."
    )
    assert say(klimanet, DORTE, "tilmeld Christiansø").text == (
        "Christiansø er ikke en kommune (øerne administreres af staten), så den kan ikke "
        "tilmeldes netværket."
    )
    assert say(klimanet, DORTE, "tilmeld fast").text == (
        "Hvilken kommune? Skriv fx `/klimanet tilmeld Aarhus` eller `/klimanet tilmeld 751`."
    )


def test_seats_network_help_and_unknown_words(klimanet: Klimanet) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, BO, "tilmeld Aarhus")
    assert say(klimanet, ANNA, "pladser").text == (
        "*Aarhus Kommune* – 2 af 3 pladser besat\n"
        "• Fast plads: Anna Jensen\n"
        "• Fleksibel plads 1: Bo Hansen\n"
        "• Fleksibel plads 2: _ledig_"
    )
    assert say(klimanet, ANNA, "pladser Odense").text == (
        "*Odense Kommune* er ikke med i netværket: ingen derfra har en plads. Den første, der tilmelder sig, gør "
        "kommunen til medlem: `/klimanet tilmeld Odense`"
    )
    assert say(klimanet, DORTE, "pladser").text == (
        "Du har ingen plads i netværket endnu, så jeg ved ikke, hvilken kommune du mener. "
        "Skriv fx `/klimanet pladser Aarhus` – eller tilmeld dig med `/klimanet tilmeld`."
    )
    assert sections(say(klimanet, DORTE, "kommuner")) == (
        "*Kommunernes klimapolitiske netværk*\n1 kommune · 2 af 3 pladser besat",
        "*Region Midtjylland* (1)\nAarhus 2/3",
        "_97 af landets 98 kommuner har ingen på en plads i netværket._",
    )
    help_text = say(klimanet, DORTE, "hjælp")
    assert first(help_text) == (
        "*Kommunernes klimapolitiske netværk* – sådan bruger du `/klimanet`"
    )
    assert sections(help_text)[-1] == (
        "Hver kommune har *én fast plads* og *to fleksible pladser*. Den faste plads giver et "
        "stabilt netværk; de fleksible pladser lader kommunen sende den rette faglighed, når "
        "temaerne skifter."
    )
    assert say(klimanet, DORTE, "tilmelt").text == (
        "Kender ikke 'tilmelt' – mente du 'tilmeld'? "
        "Skriv `/klimanet hjælp` for at se, hvad jeg kan."
    )
    assert click(klimanet, DORTE, "nonsense", "1").text == (
        "Den knap kender jeg ikke (længere). Prøv kommandoen igen."
    )
    home = klimanet.home(DORTE)
    assert done(home, ResultKind.HOME) == {"facilitator": 0, "member": 0}
    assert "Du har ingen plads i netværket endnu. Tilmeld dig her – du får en formular." in (
        home.text
    )


def test_release(klimanet: Klimanet) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, BO, "tilmeld Aarhus")
    assert say(klimanet, BO, "afmeld").text == (
        "Vil du afmelde dig og give din *fleksible plads 1* i *Aarhus Kommune* fri? "
        "Historikken gemmer, at du har haft pladsen."
    )
    assert click(klimanet, BO, "release_cancel", "keep").text == "Godt – du beholder din plads."
    assert first(click(klimanet, BO, "release_confirm", "release")) == (
        "Du er afmeldt. Den *fleksible plads 1* i *Aarhus Kommune* er nu ledig."
    )
    assert click(klimanet, BO, "release_confirm", "release").text == (
        "Du har ingen plads i netværket. Tilmeld dig med `/klimanet tilmeld`."
    )


def test_approvals(approvals: Klimanet) -> None:
    anna = say(approvals, ANNA, "tilmeld Aarhus")
    assert sections(anna) == (
        ":hourglass_flowing_sand: Din tilmelding til den *faste plads* i *Aarhus Kommune* "
        "venter på godkendelse fra en facilitator fra KL. Pladsen er holdt til dig imens, og du "
        "får besked, så snart den er godkendt.",
        "*Aarhus Kommune* – 1 af 3 pladser besat\n"
        "• Fast plads: Anna Jensen _(afventer godkendelse)_\n"
        "• Fleksibel plads 1: _ledig_\n"
        "• Fleksibel plads 2: _ledig_",
        "Hvilke fagområder arbejder du med? Vælg dem med knappen eller fx "
        "`/klimanet fagområder affald klimatilpasning` – så kan KL se, hvem der kan hvad.",
    )
    request = done(anna, ResultKind.REGISTRATION_PENDING)["request"]
    assert click(approvals, BO, "request_approve", request).text == (
        "Du kan ikke godkende den tilmelding – det kan kommunens kontaktperson eller en "
        "facilitator."
    )
    approved = click(approvals, FACILITATOR, "request_approve", request)
    assert approved.text == "Tilmeldingen fra Anna Jensen er godkendt."
    again = click(approvals, FACILITATOR, "request_reject", request)
    assert again.text == "Tilmeldingen er allerede godkendt."
    bo = say(approvals, BO, "tilmeld Aarhus")
    assert first(bo) == (
        ":hourglass_flowing_sand: Din tilmelding til den *fleksible plads 1* i *Aarhus Kommune* "
        "venter på godkendelse fra Aarhus' kontaktperson. Pladsen er holdt til dig imens, og du "
        "får besked, så snart den er godkendt."
    )
    request = done(bo, ResultKind.REGISTRATION_PENDING)["request"]
    assert click(approvals, ANNA, "request_reject", request).text == (
        "Tilmeldingen fra Bo Hansen er afvist."
    )


def test_offers(klimanet: Klimanet, clock: FixedClock) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, BO, "tilmeld Aarhus")
    sent = say(klimanet, BO, f"overdrag {mention(CARL)}")
    assert sent.text == (
        "Jeg har spurgt *Carl Nielsen*, om de vil overtage den fleksible plads 1 i *Aarhus*. "
        f"Tilbuddet gælder til {UNTIL}; du får besked, når de har svaret. "
        "Fortryd med knappen eller `/klimanet fortryd`."
    )
    assert [b.label for b in sent.buttons] == ["Træk tilbage"]
    offer = done(sent, ResultKind.OFFER_SENT)["offer"]
    assert click(klimanet, DORTE, "offer_accept", offer).text == "Det tilbud er ikke til dig."
    declined = click(klimanet, CARL, "offer_decline", offer)
    assert declined.text == "Du har afvist tilbuddet fra Bo Hansen."
    assert click(klimanet, CARL, "offer_accept", offer).text == "Tilbuddet er allerede afvist."

    offer = done(say(klimanet, BO, f"overdrag {mention(CARL)}"), ResultKind.OFFER_SENT)["offer"]
    assert say(klimanet, ANNA, f"overdrag {mention(CARL)}").text == (
        "Carl Nielsen har allerede et åbent tilbud om en plads. Vent på svaret, eller fortryd det."
    )
    assert say(klimanet, BO, f"overdrag {mention(DORTE)}").text == (
        "Pladsen er allerede tilbudt Carl Nielsen. Fortryd det tilbud først med "
        "`/klimanet fortryd`."
    )
    withdrawn = click(klimanet, BO, "offer_withdraw", offer)
    assert withdrawn.text == "Tilbuddet til Carl Nielsen er trukket tilbage."
    assert click(klimanet, CARL, "offer_accept", offer).text == (
        "Tilbuddet er allerede trukket tilbage."
    )
    say(klimanet, BO, f"overdrag {mention(CARL)}")
    assert say(klimanet, BO, "fortryd").text == "Jeg har trukket 1 tilbud tilbage."
    assert say(klimanet, BO, "fortryd").text == "Du har ingen åbne tilbud at trække tilbage."

    offer = done(say(klimanet, BO, f"overdrag {mention(CARL)}"), ResultKind.OFFER_SENT)["offer"]
    accepted = click(klimanet, CARL, "offer_accept", offer)
    assert accepted.text == ":white_check_mark: Du har nu den fleksible plads 1 i *Aarhus*."
    assert click(klimanet, BO, "offer_withdraw", offer).text == "Tilbuddet er allerede accepteret."
    assert sections(say(klimanet, ANNA, "historik"))[-1].splitlines()[-1] == (
        "27.11.2026 10.00 · Aarhus, fleksibel plads 1: overdraget – Carl Nielsen (før: Bo Hansen)"
    )

    swap = say(klimanet, CARL, f"byt {mention(ANNA)}")
    assert first(swap).startswith(
        "Jeg har spurgt *Anna Jensen*, om de vil bytte til den fleksible plads 1 i *Aarhus*."
    )
    click(klimanet, ANNA, "offer_accept", done(swap, ResultKind.OFFER_SENT)["offer"])
    assert sections(say(klimanet, ANNA, "historik"))[-1].splitlines()[-2:] == [
        "27.11.2026 10.00 · Aarhus, fleksibel plads 1: byttet – Anna Jensen (før: Carl Nielsen)",
        "27.11.2026 10.00 · Aarhus, fast plads: byttet – Carl Nielsen (før: Anna Jensen)",
    ]
    offer = done(say(klimanet, CARL, f"overdrag {mention(DORTE)}"), ResultKind.OFFER_SENT)["offer"]
    clock.advance(timedelta(hours=73))
    assert click(klimanet, DORTE, "offer_accept", offer).text == "Tilbuddet er allerede udløbet."
    assert sections(say(klimanet, CARL, "historik"))[-1].splitlines()[-1] == (
        "30.11.2026 11.00 · Aarhus, fast plads: tilbud udløbet – Dorte Lund"
    )


def test_offer_refusals(klimanet: Klimanet) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, EVA, "tilmeld Odense")
    assert say(klimanet, ANNA, f"overdrag {mention(ANNA)}").text == (
        "Du kan ikke give en plads til dig selv."
    )
    assert say(klimanet, ANNA, f"overdrag {mention(EVA)}").text == (
        "Eva Holm har allerede en plads i netværket (Odense). Man kan kun have én."
    )
    assert say(klimanet, ANNA, "overdrag @carl").text == (
        "Jeg kan ikke finde '@carl'. Vælg personen fra listen, når du skriver @, så Slack sender "
        "en rigtig henvisning."
    )
    assert say(klimanet, ANNA, "overdrag").text == (
        "Hvem? Nævn kollegaen med @, fx `/klimanet overdrag @Anna`."
    )
    assert say(klimanet, ANNA, f"overdrag {mention_of('U0GONE', 'gerda')}").text == (
        "Gerda Gået er ikke længere med i Slack-arbejdsområdet."
    )
    assert say(klimanet, CARL, f"overdrag {mention(DORTE)}").text == (
        "Du har ingen plads i netværket. Tilmeld dig med `/klimanet tilmeld`."
    )
    assert say(klimanet, ANNA, f"byt {mention(EVA)}").text == (
        "I kan kun bytte, når Eva Holm også har en plads i din kommune."
    )


def test_meetings(klimanet: Klimanet) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    assert say(klimanet, ANNA, "møder").text == "Der er ingen kommende møder i netværket endnu."
    assert say(klimanet, ANNA, "dagsorden").text == "Der er ingen kommende møder."
    assert say(klimanet, ANNA, "møde opret").text == (
        "Det er kun for facilitatorer (KL's mødeledere). Kontakt KL, hvis du skal have adgang."
    )
    created = say(klimanet, FACILITATOR, CREATE)
    assert created.text == (
        ":white_check_mark: Mødet er oprettet.\n"
        "*#1 Opstartsmøde*\n"
        "Fredag den 25. juni 2027 kl. 10.00–12.00\n"
        "Online: https://m.example/1\n"
        "Tema: Klimaplaner\n"
        "Dagsordenen har punktet «Nyt fra KL». Tilføj oplæg med `/klimanet punkt tilføj 1 "
        '"titel" type=eksternt ved="navn, organisation" min=20`.\n'
        "*Planlagte opslag:*\n\n"
        "• Annoncering: fredag den 11. juni 2027 kl. 09.00\n"
        "• Dagsorden: fredag den 18. juni 2027 kl. 09.00\n"
        "• Kommer du stadig?: onsdag den 23. juni 2027 kl. 09.00\n"
        "• Påmindelse: torsdag den 24. juni 2027 kl. 09.00\n"
        "• Mødet starter: fredag den 25. juni 2027 kl. 09.45"
    )
    physical = say(
        klimanet,
        FACILITATOR,
        'møde opret 1. juli 2027 kl. 13-16 fysisk "Sommermøde" sted="Weidekampsgade 10"',
    )
    assert "\nTorsdag den 1. juli 2027 kl. 13.00–16.00\nFysisk: Weidekampsgade 10\n" in (
        physical.text
    )
    soon = say(
        klimanet,
        FACILITATOR,
        'møde opret 03.12.2026 10:00-12:00 online "Snart" link=https://teams.microsoft.com/l/klimanet',
    )
    assert "• Annoncering: _sendes nu – tidspunktet er allerede passeret_" in soon.text
    assert say(klimanet, ANNA, "møder").text == (
        "*Kommende møder*\n\n"
        "*#3 Snart*\nTorsdag den 3. december 2026 kl. 10.00–12.00\n"
        "Online: https://teams.microsoft.com/l/klimanet\n\n"
        "*#1 Opstartsmøde*\nFredag den 25. juni 2027 kl. 10.00–12.00\n"
        "Online: https://m.example/1\nTema: Klimaplaner\n\n"
        "*#2 Sommermøde*\nTorsdag den 1. juli 2027 kl. 13.00–16.00\n"
        "Fysisk: Weidekampsgade 10\n\n"
        "Din plads: fast plads. Se en dagsorden med `/klimanet dagsorden 3`."
    )
    added = say(
        klimanet,
        FACILITATOR,
        'punkt tilføj 1 "Klimaplaner i praksis" type=eksternt ved="Anna Jensen, Aarhus" min=20',
    )
    agenda = (
        "*Dagsorden for møde #1 Opstartsmøde*\n"
        "Fredag den 25. juni 2027 kl. 10.00–12.00 · Online: https://m.example/1\n\n"
        "1. Nyt fra KL\n"
        "2. Eksternt oplæg: Klimaplaner i praksis – ved Anna Jensen, Aarhus (20 min.)"
    )
    assert added.text == agenda
    assert say(klimanet, ANNA, "dagsorden 1").text == agenda
    assert say(klimanet, ANNA, "kalender 1").text == (
        "Her er kalenderfilen for #1 Opstartsmøde. Åbn den for at lægge mødet i din kalender."
    )
    assert first(say(klimanet, FACILITATOR, "møde flyt 1 28.06.2027 13:00-15:00")) == (
        ":white_check_mark: #1 Opstartsmøde er flyttet til mandag den 28. juni 2027 kl. "
        "13.00–15.00. Alle, der har hørt om mødet, får besked nu, og påmindelserne følger med.\n"
        "*Planlagte opslag:*"
    )
    assert say(klimanet, FACILITATOR, "nyt Regeringens klimaudspil er ude").text == (
        ":white_check_mark: Nyheden bliver sendt til kanalen og samlet under «Nyt fra KL» på "
        "dagsordenen for #3 Snart."
    )
    assert say(klimanet, FACILITATOR, "møde aflys 2 bekræft For få tilmeldte").text == (
        ":white_check_mark: #2 Sommermøde torsdag den 1. juli 2027 kl. 13.00 er aflyst. "
        "Planlagte opslag er stoppet, og alle, der har hørt om mødet, får besked."
    )
    # Nobody heard of it: a cancelled meeting nobody was told about is not listed at all.
    assert "Sommermøde" not in say(klimanet, ANNA, "møder").text
    assert say(klimanet, FACILITATOR, "møde flyt 2 27.06.2027 10:00-12:00").text == (
        "Møde #2 er aflyst og kan ikke ændres."
    )


def test_meeting_input_errors(klimanet: Klimanet) -> None:
    say(klimanet, FACILITATOR, CREATE)
    answers = {
        'møde opret 31.06.2027 10:00-12:00 online "X"': (
            "'31.06.2027' findes ikke i kalenderen. Tjek dag og måned."
        ),
        'møde opret 25.06.2027 online "X"': (
            "Der mangler et tidspunkt. Skriv fx 10:00-12:00 eller kl. 10 – fx `/klimanet møde "
            'opret 28.01.2027 10:00-12:00 online "Opstartsmøde" tema=klimaplaner '
            "link=https://teams.microsoft.com/…`."
        ),
        'punkt tilføj 1 "X" min=tyve': "'tyve' er ikke et gyldigt tal for min.",
        "punkt fjern 1 9": "Møde #1 har intet punkt 9. Se dagsordenen med `/klimanet dagsorden 1`.",
        "nyt " + "x" * 3000: "Feltet 'nyhed' må højst være 2800 tegn.",
        "dagsorden 7": (
            "Jeg kan ikke finde møde '#7'. Skriv mødets nummer, dato (fx 14. januar) eller "
            "'næste møde'. De kommende møder:\n• #1 Opstartsmøde (fredag den 25. juni 2027 kl. 10.00)"
        ),
    }
    for command, sentence in answers.items():
        assert say(klimanet, FACILITATOR, command).text == sentence, command


def test_substitutes_regrets_and_roster(klimanet: Klimanet) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, BO, "tilmeld Aarhus")
    say(klimanet, FACILITATOR, CREATE)
    sent = say(klimanet, ANNA, f"vikar 1 {mention(CARL)} fleksibel 2")
    assert first(sent).startswith(
        "Jeg har spurgt *Carl Nielsen*, om de vil tage den fleksible plads 2 i *Aarhus* til "
        "#1 Opstartsmøde. Tilbuddet gælder til"
    )
    offer = done(sent, ResultKind.OFFER_SENT)["offer"]
    assert click(klimanet, CARL, "offer_accept", offer).text == (
        ":white_check_mark: Du er vikar på den fleksible plads 2 i *Aarhus* til "
        "#1 Opstartsmøde. Tak!"
    )
    assert say(klimanet, CARL, f"afbud 1 {mention(DORTE)}").text == (
        "Som vikar kan du ikke sende pladsen videre. Meld afbud, så finder kontaktpersonen en "
        "anden."
    )
    assert say(klimanet, BO, f"afbud 1 {mention(DORTE)}").text == (
        "Dit afbud til #1 Opstartsmøde er noteret – pladsen er stadig din efter mødet. "
        "Jeg har spurgt Dorte Lund, om de vil tage din plads."
    )
    assert say(klimanet, BO, "afbud 1").text == (
        "Dit afbud til #1 Opstartsmøde er noteret – pladsen er stadig din efter mødet."
    )
    assert say(klimanet, ANNA, "deltager 1").text == (
        ":white_check_mark: Tak – du er noteret som deltager i #1 Opstartsmøde."
    )
    assert say(klimanet, ANNA, "deltagere 1").text == (
        "*Deltagere i #1 Opstartsmøde*\n\n"
        "*Aarhus*\n"
        "• Fast plads: Anna Jensen – bekræftet\n"
        "• Fleksibel plads 1: Bo Hansen – afbud\n"
        "• Fleksibel plads 2: Carl Nielsen (vikar) – bekræftet"
    )
    assert click(klimanet, CARL, "attend_yes", 1).text == ":white_check_mark: Tak, vi ses!"
    assert click(klimanet, BO, "attend_no", 1).text == (
        "Tak for besked – dit afbud er noteret, og kontaktpersonen er bedt om at finde en vikar."
    )


def test_facilitator_corrections_and_history(klimanet: Klimanet) -> None:
    say(klimanet, ANNA, "tilmeld Aarhus")
    say(klimanet, BO, "tilmeld Aarhus")
    command = f"admin plads Aarhus fleksibel 2 {mention(EVA)} Ny i klimateamet"
    assert say(klimanet, FACILITATOR, command).text == (
        ":white_check_mark: Eva Holm har nu den fleksible plads 2 i *Aarhus*. "
        "Det står i historikken."
    )
    freed = say(klimanet, FACILITATOR, "admin plads Aarhus fleksibel 1 Har forladt kommunen")
    assert freed.text == (
        ":white_check_mark: Den fleksible plads 1 i *Aarhus* er frigjort (før: Bo Hansen). "
        "Det står i historikken."
    )
    replaced = say(klimanet, FACILITATOR, f"admin plads Aarhus fleksibel 2 {mention(CARL)} Byttet")
    assert replaced.text == (
        ":white_check_mark: Carl Nielsen har nu den fleksible plads 2 i *Aarhus* "
        "(før: Eva Holm). Det står i historikken."
    )
    assert say(klimanet, FACILITATOR, "admin plads Odense fast").text == (
        "Odense er ikke medlem af netværket."
    )
    assert say(klimanet, FACILITATOR, "admin plads Aarhus midterste").text == (
        "'Aarhus midterste' er ikke en plads. Skriv 'fast', 'fleksibel 1' eller 'fleksibel 2'."
    )
    assert sections(say(klimanet, ANNA, "historik"))[-1].splitlines()[-3:] == [
        "27.11.2026 10.00 · Aarhus, fleksibel plads 2: sat af facilitator – Eva Holm, af Sara "
        "Røpke. Begrundelse: Ny i klimateamet",
        "27.11.2026 10.00 · Aarhus, fleksibel plads 1: frigjort af facilitator – Bo Hansen, af "
        "Sara Røpke. Begrundelse: Har forladt kommunen",
        "27.11.2026 10.00 · Aarhus, fleksibel plads 2: sat af facilitator – Carl Nielsen "
        "(før: Eva Holm), af Sara Røpke. Begrundelse: Byttet",
    ]


def test_form_errors(klimanet: Klimanet) -> None:
    missing = klimanet.submit_registration_form(EVA, RegistrationForm(None, None))
    assert missing == FormErrors({"municipality": "Vælg en kommune."})
    long_title = klimanet.submit_registration_form(EVA, RegistrationForm(461, None, "x" * 151))
    assert long_title == FormErrors({"title": "Feltet 'titel' må højst være 150 tegn."})
    bad_end = klimanet.submit_meeting_form(
        FACILITATOR, None, MeetingForm("X", "2027-03-01", "12:00", "10:00", "fysisk")
    )
    # Next to the field, in the form's words: no one-line example to copy.
    assert bad_end == FormErrors({"meeting_end": "Mødet skal slutte efter, det starter."})
    untitled = klimanet.submit_meeting_form(
        FACILITATOR, None, MeetingForm(" ", "2027-03-01", "10:00", "", "")
    )
    assert untitled == FormErrors(
        {
            "meeting_title": "Skriv mødets titel.",
            "meeting_format": "Vælg om mødet er online, fysisk eller hybrid.",
        }
    )


def test_meeting_edited_in_the_form(klimanet: Klimanet) -> None:
    say(
        klimanet,
        FACILITATOR,
        'møde opret 25.06.2027 10:00-12:00 online "Opstartsmøde" link=https://m.example/1',
    )
    form = MeetingForm(
        "Opstartsmøde", "2027-06-25", "10:00", "12:30", "fysisk", "Weidekampsgade 10"
    )
    edited = klimanet.submit_meeting_form(FACILITATOR, 1, form)
    assert isinstance(edited, Reply)
    assert read_in_slack(edited).text.startswith(
        ":white_check_mark: Mødet er rettet. Tiden er ændret, så alle, der har hørt om mødet, "
        "får besked.\n"
        "*#1 Opstartsmøde*\n"  # not "flyttet": nobody was told the old time
        "Fredag den 25. juni 2027 kl. 10.00–12.30\n"
        "Fysisk: Weidekampsgade 10"
    )
