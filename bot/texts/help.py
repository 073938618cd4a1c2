"""`hjælp`: every command with an example."""

from __future__ import annotations

from datetime import date

from bot.markup import bold
from bot.replies import user_text
from bot.texts.common import COMMAND, NETWORK_NAME
from bot.texts.dates import example_days, short_day

HELP_LINES = (
    ("tilmeld", "Tilmeld dig netværket (åbner en formular)", ""),
    ("tilmeld", "Tilmeld dig direkte; fast plads hvis ledig, ellers fleksibel", "Aarhus"),
    ("tilmeld", "Vælg selv pladstype", "Høje-Taastrup fleksibel"),
    ("pladser", "Din kommunes pladser – eller en anden kommunes", "Odense"),
    ("kommuner", "Netværket: medlemskommuner og besatte pladser – eller én kommune", ""),
    ("afmeld", "Giv din plads fri (du bliver bedt om at bekræfte)", ""),
    ("fagområder", "Dine fagområder og netværkets liste (med en knap til at vælge)", ""),
    ("fagområder", "Sæt dine fagområder ('ingen' fjerner dem)", "affald klimatilpasning"),
    ("møder", "Kommende møder: dato, format, tema og din plads – eller ét møde", ""),
    ("dagsorden", "Dagsordenen for næste møde – eller et bestemt møde", "12"),
    ("kalender", "Kalenderfil (.ics) for næste møde – eller et bestemt møde", "12"),
    ("kalender abonner", "Abonnér på dine møder i Outlook eller Google (et privat link)", ""),
    ("kalender abonner", "… eller på alle netværkets møder", "netværk"),
    ("kalender nulstil", "Nyt kalenderlink; det gamle holder op med at virke", ""),
    ("overdrag", "Giv din plads til en kollega (de skal acceptere)", "@kollega"),
    ("byt", "Byt plads med en kollega i din kommune", "@kollega"),
    (
        "vikar",
        "Send en kollega til ét møde på pladsen for en, der har meldt afbud (kontaktpersonen)",
        "12 @kollega",
    ),
    ("afbud", "Meld afbud til et møde – evt. med en stedfortræder", "12 @kollega"),
    ("deltager", "Bekræft at du kommer til et møde", "12"),
    ("deltagere", "Hvem kommer fra hvilken kommune", "12"),
    ("historik", "Hvem har haft hvilken plads hvornår – og hvorfor", "Aarhus"),
    ("fortryd", "Træk dine åbne tilbud tilbage", ""),
    ("privatliv", "Sådan behandler Klimanet dine oplysninger", ""),
    ("mine-data", "Få alt, hvad Klimanet har om dig, som en fil", ""),
    ("slet-mig", "Slet dine oplysninger (du bliver bedt om at bekræfte)", ""),
    ("afventer", "Tilmeldinger og tilbud, der venter på dit svar – med knapperne", ""),
    ("afstemninger", "Netværkets afstemninger, og hvor mange kommuner der har stemt", ""),
    (
        "feedback",
        "Giv et møde, du var med til, en karakter fra 1 til 5 – evt. med en kommentar "
        "(skriv 'navn' først, hvis KL må se, den er fra dig)",
        "12 4 Godt møde",
    ),
    ("hjælp", "Denne oversigt", ""),
)


FACILITATOR_HELP_LINES = (
    ("møde opret", "Opret et møde (formular)", ""),
    (
        "møde opret",
        "… eller på én linje",
        '{dag} 10:00-12:00 online "Opstartsmøde" tema=klimaplaner link=https://teams.microsoft.com/…',
    ),
    (
        "møde opret",
        "… fysisk eller hybrid",
        '{dag} 10:00-13:00 hybrid "Temamøde" sted="Weidekampsgade 10" link=https://…',
    ),
    ("møde flyt", "Flyt et møde", "12 {flyttet} 13:00-15:00"),
    ("møde aflys", "Aflys et møde (spørger først)", "12 For få tilmeldte"),
    ("møde ret", "Ret et møde (formular)", "12"),
    ("møde ret", "… eller kun linket eller adressen", "12 link=https://teams.microsoft.com/…"),
    ("møde send", "Annoncér et møde uden link eller adresse", "12"),
    ("møde kopier", "Nyt møde med samme dagsorden", "12 {kopi}"),
    (
        "punkt tilføj",
        "Tilføj et punkt",
        '12 "Klimaplaner i praksis" type=eksternt ved="Anna Jensen, Aarhus" min=20',
    ),
    ("punkt fjern", "Fjern punkt 3", "12 3"),
    ("punkt flyt", "Flyt punkt 3 op som nr. 2", "12 3 2"),
    ("nyt", "Send en nyhed fra KL til kanalen", "Regeringens klimaudspil er ude"),
    (
        "admin plads",
        "Sæt nogen på en plads eller frigør den",
        'Aarhus fleksibel 2 @kollega "Har forladt kommunen"',
    ),
    ("overblik", "Danmarkskort: medlemskommuner og besatte pladser (som direkte besked)", ""),
    ("overblik deltagelse", "Hvem kom til de seneste møder – og hvem kommer (antal møder)", "8"),
    ("overblik temaer", "Pladsholdernes fagområder over for netværkets temaer", ""),
    ("eksport", "Medlemmer, deltagelse eller historik som Excel-fil (eller csv)", "medlemmer"),
    (
        "admin slet",
        "Slet en persons oplysninger efter en anmodning til KL – nævn ikke personen i "
        "begrundelsen, den gemmes",
        "@bruger Anmodning pr. mail 3. marts",
    ),
    (
        "afstemning opret",
        "Afstemning med én stemme pr. medlemskommune (skriv flere for flere svar)",
        '"Hvilket tema til efterårsmødet?" "Klimatilpasning" "Affald" luk {dag} 12:00',
    ),
    ("afstemning luk", "Luk en afstemning nu; resultatet sendes til kanalen", "3"),
    ("afstemning forlæng", "Flyt en afstemnings lukketid senere", "3 {flyttet} 12:00"),
    ("eksport afstemning", "Hvilken kommune stemte hvad, som Excel-fil (eller csv)", "3"),
    (
        "materiale",
        "Læg oplæg, referat eller en optagelse ved et møde (sendes ud, når mødet er slut)",
        "12 https://kl.dk/referat.pdf Referat",
    ),
    ("fremmøde", "Hvem kom til et møde: skift med numrene, bekræft til sidst", "12 bekræft"),
    ("overblik feedback", "Et mødes feedback: gennemsnit, antal svar og kommentarer", "12"),
    ("eksport feedback", 'Alle svar på "Hvordan var mødet?" som fil', "csv"),
)


def help_text(today: date) -> list[str]:
    """Every command with an example; the examples' dates are computed from ``today``."""
    day, moved, copy = (short_day(d) for d in example_days(today))
    lines = [
        f"• `{COMMAND} {name}{' ' + example if example else ''}` – {what}"
        for name, what, example in HELP_LINES
    ]
    facilitator_lines = [
        f"• `{COMMAND} {name}{' ' + filled if filled else ''}` – {what}"
        for name, what, example in FACILITATOR_HELP_LINES
        for filled in (example.format(dag=day, flyttet=moved, kopi=copy),)
    ]
    return [
        f"{bold(NETWORK_NAME)} – sådan bruger du `{COMMAND}`",
        "\n".join(lines),
        f"{bold('For facilitatorer')}\n" + "\n".join(facilitator_lines),
        f"Hver kommune har {bold('én fast plads')} og {bold('to fleksible pladser')}. Den faste plads giver et "
        "stabilt netværk; de fleksible pladser lader kommunen sende den rette faglighed, når "
        "temaerne skifter.",
    ]


def unknown_command(word: str, suggestion: str | None) -> str:
    hint = f" – mente du '{suggestion}'?" if suggestion else "."
    return f"Kender ikke '{user_text(word)}'{hint} Skriv `{COMMAND} hjælp` for at se, hvad jeg kan."
