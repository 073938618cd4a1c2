"""What the Teams adapter says itself: a message cut short, a picker Teams has no card for, and
a file shared as a link."""

from __future__ import annotations

from bot.replies import user_text

TEAMS_CUT_SHORT = "… (beskeden var for lang til Teams og er forkortet)"


def teams_pick_hint(command: str) -> str:
    """Where Slack shows a colleague picker: the command that does the same in Teams, written
    to Klimanet (``vikar 4 @kollega fleksibel 2``)."""
    return f"Skriv til Klimanet: {command}"


def teams_file_text(title: str) -> str:
    """The card that brings a file (a calendar file, an export) as a link."""
    return f"Filen {title} er klar."


TEAMS_FILE_BUTTON = "Hent filen"
TEAMS_CALENDAR_BUTTON = "Tilføj til kalender"


# The Teams app package: names, descriptions and the command menu (Teams shows them as written).
TEAMS_APP_SHORT_NAME = "Klimanet"
TEAMS_APP_FULL_NAME = "Kommunernes klimapolitiske netværk"
TEAMS_APP_SHORT_DESCRIPTION = "Pladser, møder og dagsordener i KL's klimapolitiske netværk"
TEAMS_APP_FULL_DESCRIPTION = (
    "Klimanet holder styr på Kommunernes klimapolitiske netværk: hver medlemskommune har én "
    "fast og to fleksible pladser. Tilmeld dig, se din kommunes pladser, overdrag en plads til "
    "en kollega, meld afbud eller send en vikar, og få dagsordener og påmindelser til møderne. "
    "Skriv hjælp til Klimanet for at se alle kommandoer."
)
TEAMS_DEVELOPER = "KL"
# (title, description) per command, in the order the menu shows them.
TEAMS_PERSONAL_COMMANDS = (
    ("tilmeld", "Tilmeld dig netværket, fx: tilmeld Aarhus"),
    ("pladser", "Din kommunes pladser – eller en anden kommunes"),
    ("møder", "Kommende møder med dato, format og tema"),
    ("dagsorden", "Dagsordenen for næste møde"),
    ("afbud", "Meld afbud til et møde, fx: afbud 12"),
    ("overdrag", "Giv din plads til en kollega, fx: overdrag @kollega"),
    ("afventer", "Det, der venter på dit svar"),
    ("mine-data", "Få alt, hvad Klimanet har om dig"),
    ("privatliv", "Sådan behandler Klimanet dine oplysninger"),
    ("hjælp", "Alle kommandoer med eksempler"),
)
TEAMS_TEAM_COMMANDS = (
    ("møder", "Kommende møder i netværket"),
    ("kommuner", "Medlemskommuner og besatte pladser"),
    ("dagsorden", "Dagsordenen for næste møde"),
    ("hjælp", "Alle kommandoer med eksempler"),
)


TEAMS_CHANNEL_SET = (
    "Denne kanal er nu netværkets kanal. Her kommer indkaldelser, dagsordener, påmindelser og "
    "nyheder fra Klimanet."
)
TEAMS_CHANNEL_REFUSED = "Kun netværkets facilitatorer kan gøre en kanal til netværkets kanal."
TEAMS_CHANNEL_NOT_HERE = (
    "Skriv @Klimanet kanal i den kanal i teamet, der skal være netværkets kanal."
)


# Adaptive Card forms and the Home card.
TEAMS_FORM_UNREADABLE = (
    "Formularens svar kunne ikke læses, så intet er gemt. Åbn formularen igen, eller skriv "
    "kommandoen på én linje til Klimanet."
)
TEAMS_HOME_PICTURE = "Kortet over netværket: skriv overblik til Klimanet."
# The word that shows one's Home again (Slack's App Home tab; Teams has none).
TEAMS_HOME_COMMAND = "hjem"
TEAMS_HOME_FOOTER = (
    "Skriv hjælp til Klimanet for at se alle kommandoer, og hjem for at se denne oversigt igen."
)


# Mentions in Teams: only a person's mention names someone (a tag, a channel or the team does not).
def teams_mention_not_person(typed: str) -> str:
    """A tag, channel or team mention where a colleague was wanted."""
    return (
        f"{user_text(typed)} er ikke en person. Nævn kollegaen selv med @ (vælg personen på "
        "listen, ikke et tag, en kanal eller hele teamet)."
    )


def teams_mention_not_found(typed: str) -> str:
    """The roster does not know the mentioned member (left the team, or a stale mention)."""
    return (
        f"Jeg kan ikke finde {user_text(typed)} blandt medlemmerne i Teams. Nævn en kollega, "
        "der er med i samtalen eller i netværkets team."
    )


def teams_mention_lookup_failed(typed: str) -> str:
    """Teams did not answer who a mentioned member is: nothing was done."""
    return (
        f"Teams svarede ikke, da jeg slog {user_text(typed)} op, så der er ikke sket noget. "
        "Prøv igen om lidt."
    )
