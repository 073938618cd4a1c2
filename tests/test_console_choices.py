"""The console's numbered buttons (issue 19, point 5): a post updated in place (a poll's turnout,
more material) keeps each button's number while the post lives, so a number someone has seen
never comes to mean another button. No database: the notifier and its choices alone."""

from __future__ import annotations

from bot.replies import Button, Reply
from handlers.console.choices import IN_THE_CHANNEL, Choices
from handlers.console.notifier import ConsoleNotifier
from handlers.console.people import ConsoleProfiles

CHANNEL = "C0NET"


def _poll(*options: str, turnout: int = 0) -> Reply:
    return Reply(
        (f"Næste tema? {turnout} af 3 kommuner har stemt",),
        buttons=tuple(Button(o, "poll_vote", f"1:{o}") for o in options),
    )


def test_an_updated_channel_post_keeps_its_numbers() -> None:
    printed: list[str] = []
    choices = Choices()
    notifier = ConsoleNotifier(printed.append, choices, ConsoleProfiles(), channel=CHANNEL)
    posted = notifier.post(CHANNEL, _poll("Affald", "Mobilitet", "Vand"))
    before = {n: choices.take("U0ANNA", str(n)) for n in (100, 101, 102)}
    assert [c.value if c else None for c in before.values()] == [
        "1:Affald",
        "1:Mobilitet",
        "1:Vand",
    ]
    # A DM with buttons in between takes its own numbers; the channel's stay apart.
    notifier.post("U0ANNA", Reply(("Hvordan var mødet?",), buttons=(Button("1", "feedback_rate", "7:1"),)))  # fmt: skip

    notifier.update(posted, _poll("Affald", "Mobilitet", "Vand", turnout=1))
    after = {n: choices.take("U0BO", str(n)) for n in (100, 101, 102)}
    assert after == before  # the same numbers name the same buttons
    assert "[100] Affald" in printed[-1] and "[102] Vand" in printed[-1]

    # A button it no longer has loses its number; a new one gets a number never used before.
    notifier.update(posted, _poll("Affald", "Vand", turnout=2))
    assert choices.take("U0ANNA", "101") is None
    assert choices.take("U0ANNA", "100").value == "1:Affald"  # type: ignore[union-attr]
    assert choices.take("U0ANNA", "102").value == "1:Vand"  # type: ignore[union-attr]
    renumbered = Reply(("x",), buttons=(Button("Ny", "poll_vote", "1:9"),))
    notifier.update(posted, renumbered)
    assert choices.take("U0ANNA", "103").value == "1:9"  # type: ignore[union-attr]
    assert choices.take("U0ANNA", "100") is None


def test_a_person_s_updated_message_keeps_its_numbers_and_others_stay() -> None:
    choices = Choices()
    notifier = ConsoleNotifier(lambda _: None, choices, ConsoleProfiles(), channel=CHANNEL)
    first = notifier.post("U0ANNA", _poll("Ja", "Nej"))
    notifier.post("U0ANNA", Reply(("andet",), buttons=(Button("OK", "offer_accept", "5"),)))
    notifier.update(first, _poll("Ja", "Nej", turnout=1))
    assert [choices.take("U0ANNA", n).value for n in ("1", "2", "3")] == ["1:Ja", "1:Nej", "5"]  # type: ignore[union-attr]
    assert choices.take(IN_THE_CHANNEL, "1") is None
    notifier.delete(first)
    assert choices.take("U0ANNA", "1") is None and choices.take("U0ANNA", "3") is not None
