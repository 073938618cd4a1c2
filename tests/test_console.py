"""The local console, driven as a user would: through a pipe and through a pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

BASE_ENV = {
    k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KLIMANET_", "DATABASE_URL"))
}


def run_klimanet(
    args: list[str], stdin: str, tmp_path: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # no .env there: only what the test gives
        env={**BASE_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}", **env},
    )


def test_run_without_slack_starts_the_console_and_registers(tmp_path: Path) -> None:
    session = "\n".join(
        [
            "tilmeld Aarhus",  # the console's first user facilitates for KL: no seat for them
            "/som U0ANNA Anna Jensen",
            "/klimanet tilmeld Aarhus",
            "/som U0BO Bo Hansen",
            "tilmeld",  # the form as questions
            "Århus",
            "3",
            "Klimachef",
            "1, 7",
            "pladser",
            "afmeld",
            "2",  # [1] is "Vælg fagområder" on the registration's answer
            "/afslut",
        ]
    )
    result = run_klimanet(
        ["run", "--as", "U0KL", "--navn", "Karin Kl"],
        session,
        tmp_path,
        KLIMANET_REGISTRATION="open",
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "KL faciliterer netværket uden en plads i en kommune" in out
    assert (
        "Du er tilmeldt Kommunernes klimapolitiske netværk for Aarhus Kommune på den faste plads"
        in out
    )
    assert "Du er nu Bo Hansen (U0BO)" in out
    assert "på den fleksible plads 1" in out
    assert "Fleksibel plads 1: Bo Hansen (Klimachef)" in out
    assert "Du er afmeldt" in out
    assert "*" not in out.replace("* ", "")  # Slack markup is rendered away
    assert "Traceback" not in out + result.stderr


def test_console_approval_and_handover(tmp_path: Path) -> None:
    """The default: a registration waits for approval; consent buttons are numbered choices."""
    session = "\n".join(
        [
            "/som U0ANNA Anna",
            "tilmeld Aarhus",  # the first one waits for the console user, a facilitator
            "/som U0KL Karin",
            "1",
            "/som U0BO Bo",
            "tilmeld Aarhus fleksibel",  # later ones: Aarhus' coordinator (Anna)
            "/som U0ANNA Anna",
            "2",  # [1] is "Vælg fagområder" on her own registration's answer
            "overdrag @U0CARL",
            "/som U0CARL Carl",
            "1",
            "pladser",
            "/afslut",
        ]
    )
    result = run_klimanet(["console", "--as", "U0KL", "--navn", "Karin"], session, tmp_path)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "venter på godkendelse fra en facilitator fra KL" in out
    assert "venter på godkendelse fra Aarhus' kontaktperson" in out
    assert out.count("Din tilmelding er godkendt") == 2
    assert "Anna vil overdrage den faste plads i Aarhus til dig" in out
    assert "Fast plads: Carl" in out and "Fleksibel plads 1: Bo" in out
    assert "Traceback" not in out + result.stderr


def test_console_time_travel_plays_out_a_meeting(tmp_path: Path) -> None:
    session = "\n".join(
        [
            "/som U0BO Bo",
            "tilmeld Aarhus",
            "/som U0ANNA Anna",
            'møde opret 25.06.2027 10:00-12:00 online "Opstartsmøde" link=https://m.example/1',
            "/tid +400d",
            "/afslut",
        ]
    )
    result = run_klimanet(
        ["console", "--as", "U0ANNA", "--navn", "Anna"],
        session,
        tmp_path,
        KLIMANET_REGISTRATION="open",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout[result.stdout.index("/tid +400d") :]
    # Each post goes out on its time as the clock passes it, in order, and none is "missed".
    order = [
        "Nyt møde i",
        "Dagsorden for møde #1",
        "Kommer du stadig?",
        "Påmindelse: #1",
        "klimanet-moede-1.ics",
        "Mødet starter om 15 minutter",
    ]
    positions = [out.index(marker) for marker in order]
    assert positions == sorted(positions), out
    assert "var nede" not in out


def _own_terminal() -> None:
    """In the child: a session of its own with the pseudo-terminal as its controlling terminal,
    so Ctrl-C is a SIGINT from the terminal, as at a real keyboard."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _own_terminal_sigint_ignored() -> None:
    """The same, started as a script's background job starts a program: SIGINT ignored."""
    _own_terminal()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Pty:
    """The console in a pseudo-terminal: what a person at a keyboard sees and types."""

    def __init__(self, tmp_path: Path, *args: str, sigint_ignored: bool = False) -> None:
        self.controller, terminal = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "console", "--as", "U0ANNA", "--navn", "Anna", *args],
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            cwd=tmp_path,
            # only os and signal calls, before exec
            preexec_fn=_own_terminal_sigint_ignored if sigint_ignored else _own_terminal,
            env={
                **BASE_ENV,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}",
                "XDG_STATE_HOME": str(tmp_path / "state"),
                "TERM": "xterm",
            },
        )
        os.close(terminal)
        self.seen = b""

    def read_until(self, marker: bytes, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while marker not in self.seen:
            assert time.monotonic() < deadline, self.seen.decode(errors="replace")
            ready, _, _ = select.select([self.controller], [], [], 0.5)
            if ready:
                try:
                    self.seen += os.read(self.controller, 4096)
                except OSError:  # the process ended
                    break
        assert marker in self.seen, self.seen.decode(errors="replace")

    def type(self, keys: bytes) -> None:
        os.write(self.controller, keys)

    def close(self) -> None:
        self.process.kill()
        os.close(self.controller)


def test_console_in_a_pseudo_terminal(tmp_path: Path) -> None:
    console = Pty(tmp_path)
    try:
        console.read_until(b"Anna > ")
        console.type(b"/som U0BO Bo\n")
        console.read_until(b"Bo > ")
        console.type(b"tilmeld Odense fleksibel\n")
        console.read_until(b"fleksible plads 1")
        console.type(b"/afslut\n")
        console.read_until(b"Farvel")
        assert console.process.wait(timeout=10) == 0
    finally:
        console.close()


@pytest.mark.parametrize(
    ("key", "sigint_ignored"),
    [(b"\x03", False), (b"\x04", False), (b"\x03", True)],
    ids=["ctrl-c", "ctrl-d", "ctrl-c-started-with-sigint-ignored"],
)
def test_ctrl_c_and_ctrl_d_say_goodbye_without_a_traceback(
    tmp_path: Path, key: bytes, sigint_ignored: bool
) -> None:
    console = Pty(tmp_path, sigint_ignored=sigint_ignored)
    try:
        console.read_until(b"Anna > ")
        console.type(key)
        console.read_until(b"Farvel")
        assert console.process.wait(timeout=10) == 0
        console.read_until(b"Farvel", timeout=1)
        assert b"Traceback" not in console.seen and b"KeyboardInterrupt" not in console.seen
    finally:
        console.close()


def test_arrow_keys_edit_the_line_and_recall_the_history(tmp_path: Path) -> None:
    console = Pty(tmp_path)
    try:
        console.read_until(b"Anna > ")
        # "pladser Oense", four steps left (after the "O"), a "d": "pladser Odense".
        console.type(b"pladser Oense" + b"\x1b[D" * 4 + b"d\n")
        console.read_until(b"Odense Kommune er ikke med")
        console.seen = console.seen.split(b"Odense Kommune er ikke med", 1)[1]
        console.read_until(b"Anna > ")  # the next prompt, then arrow up: the command again
        console.type(b"\x1b[A\n")
        console.seen = b""
        console.read_until(b"Odense Kommune er ikke med")
        assert b"[A" not in console.seen and b"[D" not in console.seen
        console.type(b"/afslut\n")
        console.read_until(b"Farvel")
        assert console.process.wait(timeout=10) == 0
    finally:
        console.close()
    # The history is kept outside the repository, where the state of programs belongs.
    assert "pladser Odense" in (tmp_path / "state" / "klimanet" / "history").read_text()


SLACK = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "hemmelig"}


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"SLACK_BOT_TOKEN": "not-a-token"}, "SLACK_BOT_TOKEN"),
        # The core takes any one-word id; Slack checks its own shapes.
        ({"KLIMANET_ADMINS": "anna,U0BO", **SLACK}, "KLIMANET_ADMINS"),
        ({"KLIMANET_CHANNEL": "#klima", **SLACK}, "KLIMANET_CHANNEL"),
        ({"KLIMANET_CHANNEL": "klima kanal"}, "KLIMANET_CHANNEL"),
        ({"KLIMANET_ADMINS": "a" * 256}, "KLIMANET_ADMINS"),
        ({"KLIMANET_TIMEZONE": "Mars/Olympus"}, "KLIMANET_TIMEZONE"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_API_BASE_URL": "slack"}, "SLACK_API_BASE_URL"),
    ],
)
def test_bad_setting_is_one_clear_line(tmp_path: Path, env: dict[str, str], names: str) -> None:
    result = run_klimanet(["run"], "", tmp_path, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and names in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def console(tmp_path: Path, *lines: str, **env: str) -> str:
    result = run_klimanet(
        ["console", "--as", "U0ANNA", "--navn", "Anna"],
        "\n".join([*lines, "/afslut"]),
        tmp_path,
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_every_open_choice_stays_answerable(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        "/som U0DORTE Dorte",
        "tilmeld Aarhus",  # waits for Anna, a facilitator; then Dorte is the coordinator
        "/som U0ANNA Anna",
        "1",
        "/som U0BO Bo",
        "tilmeld Aarhus",
        "/som U0CARL Carl",
        "tilmeld Aarhus",
        "/som U0DORTE Dorte",
        "2",  # Godkend on the older request (Bo's), after Carl's arrived ([1]: her fagområder)
        "4",  # Godkend on Carl's
        "2",  # again: a clear answer, not an unknown command
        "pladser",
    )
    assert "[2] Godkend   [3] Afvis" in out and "[4] Godkend   [5] Afvis" in out
    assert "Tilmeldingen fra Bo er godkendt" in out
    assert "Tilmeldingen fra Carl er godkendt" in out
    assert "Fleksibel plads 1: Bo\n" in out and "Fleksibel plads 2: Carl\n" in out
    assert "(afventer godkendelse)" not in out.rsplit("Dorte > pladser", 1)[1]


def test_after_a_restart_waiting_requests_are_shown_and_answerable(tmp_path: Path) -> None:
    console(tmp_path, "/som U0BO Bo", "tilmeld Aarhus fleksibel")
    out = console(tmp_path, "1", "pladser Aarhus")  # a new process on the same database
    assert "Én ting venter på dit svar" in out and "Bo vil have den fleksible plads 1" in out
    assert "Tilmeldingen fra Bo er godkendt" in out
    assert "Fleksibel plads 1: Bo\n" in out


def test_mentions_as_console_users_type_them(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        "/som U0EVA Eva",
        "tilmeld Aarhus",
        "overdrag @U4",  # a short id, as '/som U4' allows
        "fortryd",
        "/som Carl Berg",  # someone new, by name: the console gives the id
        "/som U0EVA Eva",
        "overdrag @konsol:carl-berg",  # by that id
        "fortryd",
        "/som U0BO Bo Hansen",
        "/som U0EVA Eva",
        "overdrag @bo",  # someone named in this session, by name
        "overdrag @dorte",  # nobody by that name
        KLIMANET_REGISTRATION="open",
    )
    assert "Jeg har spurgt Kollega U4, om de vil overtage" in out  # readable, not a raw id
    assert "Jeg har spurgt Bo Hansen, om de vil overtage" in out
    assert "Du er nu Carl Berg (konsol:carl-berg)." in out
    assert "Jeg har spurgt Carl Berg, om de vil overtage" in out
    unresolved = out.split("overdrag @dorte", 1)[1]
    assert "Jeg kan ikke finde '@dorte'" in unresolved and "@U456" in unresolved
    assert "Slack" not in unresolved and "listen" not in unresolved


def test_files_are_saved_in_their_own_folder(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        'møde opret 25.06.2027 10:00-12:00 online "Opstartsmøde" link=https://m.example/1',
        "kalender 1",
    )
    saved = tmp_path / "klimanet-filer" / "klimanet-moede-1.ics"
    assert f"Gemt som {saved}" in out
    assert saved.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert not list(tmp_path.glob("*.ics"))  # nothing in the working directory itself
    gitignore = (Path(__file__).resolve().parent.parent / ".gitignore").read_text()
    assert "/klimanet-filer/" in gitignore


def test_the_console_does_not_pace_posts_like_slack(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Slack allows about a post per second per channel; the console has no such limit."""
    import io

    from bot import runtime
    from bot.clock import OffsetClock
    from bot.config import Settings

    seen: dict[str, object] = {}
    build = runtime.build_delivery

    def recording(*args: object, **kwargs: object) -> object:
        seen.update(kwargs)
        return build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runtime, "build_delivery", recording)
    monkeypatch.setattr(sys, "stdin", io.StringIO("/afslut\n"))
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    from bot.platform import RunOptions

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}")
    console = runtime.choose(runtime.platform_settings({}), wanted=None, http=False)
    assert console.name == "console"  # no credentials: the console is picked
    options = RunOptions(user_id="U0A", name="A")
    assert runtime.build_platform(console, settings, True, OffsetClock(), options).run() == 0
    assert seen["per_channel_interval"] == 0.0


def test_the_readme_console_example_is_what_a_new_user_sees(tmp_path: Path) -> None:
    """The README's example, typed as it stands, in the default (approval) mode."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    example = readme.split("```text\n$ make run\n", 1)[1].split("```", 1)[0]
    typed = [line.split(" > ", 1)[1] for line in example.splitlines() if " > " in line]
    shown = [
        line.strip("│ ")
        for line in example.splitlines()
        if " > " not in line and line.strip("│ ") not in ("", "…", "└─") and "…" not in line
    ]
    result = run_klimanet(["run"], "\n".join([*typed, "/afslut"]), tmp_path)
    assert result.returncode == 0, result.stderr
    for line in shown:
        assert line in result.stdout, line
    for line in example.splitlines():  # lines cut short with … start as the real ones do
        if "…" in line and " > " not in line and line.strip() != "…":
            assert line.split("…", 1)[0].strip("│ ") in result.stdout, line


def test_the_forms_offer_suggestions_ask_for_the_link_and_warn(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        "/som U0BO Bo",
        "tilmeld",  # the registration form
        "Sonderbrog",  # a typo: the suggestions as numbers
        "1",
        "3",
        "",
        "",
        "/som U0ANNA Anna",
        "møde opret",  # the meeting form, on a Sunday, hybrid
        "Søndagsmøde",
        "27.06.2027",
        "10:00",
        "12:00",
        "hybrid",
        "https://m.example/1",
        "Weidekampsgade 10",
        "",
        "j",  # save despite the warning
        KLIMANET_REGISTRATION="open",
    )
    assert "[1] Sønderborg" in out
    assert "Sønderborg Kommune på den fleksible plads 1" in out
    assert "Link (online og hybrid)" in out and "Adresse (fysisk og hybrid)" in out
    assert "Bemærk, at det er en søndag" in out and "Gem alligevel? (j/n)" in out
    assert "Hybrid – fysisk: Weidekampsgade 10 · online: https://m.example/1" in out


def test_afventer_numbers_stay_valid_whichever_is_answered_first(tmp_path: Path) -> None:
    """Answering one item of the ``afventer`` list leaves every other number shown answerable
    (before, the answer replaced the whole list and took the other items' numbers with it)."""
    out = console(
        tmp_path,
        "/som U0DORTE Dorte",
        "tilmeld Aarhus",  # waits for Anna, a facilitator; then Dorte is the coordinator
        "/som U0ANNA Anna",
        "1",
        "/som U0BO Bo",
        "tilmeld Aarhus",
        "/som U0CARL Carl",
        "tilmeld Aarhus",
        "/som U0DORTE Dorte",  # the switch shows what waits: [6]/[7] Bo, [8]/[9] Carl
        "8",  # Godkend Carl's, the second item, first
        "8",  # again: that item is answered, its number is gone
        "6",  # the first item's number still holds
        "pladser",
    )
    listed = out.rsplit("Du er nu Dorte", 1)[1]
    assert "[6] Godkend   [7] Afvis" in listed and "[8] Godkend   [9] Afvis" in listed
    after = listed.split("Dorte > 8", 1)[1]
    assert "Tilmeldingen fra Carl er godkendt" in after
    assert "Der er intet valg nummer 8" in after.split("Dorte > 6", 1)[0].split("Dorte > 8", 1)[1]
    assert "Tilmeldingen fra Bo er godkendt" in after.split("Dorte > 6", 1)[1]
    assert "Fleksibel plads 1: Bo\n" in out and "Fleksibel plads 2: Carl\n" in out


def test_a_coordinator_leaves_and_a_colleague_takes_the_fixed_seat(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        "/som U0DORTE Dorte",
        "tilmeld Aarhus",  # waits for Anna, a facilitator; then Dorte is the coordinator
        "/som U0ANNA Anna",
        "1",
        "/som U0BO Bo",
        "tilmeld Aarhus",
        "/som U0CARL Carl",
        "tilmeld Aarhus",
        "/som U0DORTE Dorte",
        "6",  # approve Bo
        "8",  # approve Carl
        "afmeld",
        "10",  # Ja, afmeld mig
        "/som U0BO Bo",  # the offer waits for Bo: [2] in the message, [3] in the list
        "3",
        "/som U0CARL Carl",
        "2",  # Carl's offer was updated in place: that number is gone
        "pladser",
    )
    left = out.split("Dorte > 10", 1)[1]
    assert "Kommunens øvrige pladsholdere får tilbudt at overtage den faste plads" in left
    assert left.count("Aarhus har ikke længere en kontaktperson") >= 2  # Bo and Carl
    assert "Kommunens øvrige pladsholdere (Bo og Carl) har fået tilbudt" in left
    taken = left.split("Bo > 3", 1)[1]
    assert "Du har nu den faste plads i Aarhus og er kommunens kontaktperson" in taken
    assert "Den faste plads i Aarhus er overtaget af Bo" in taken
    assert "Der er intet valg nummer 2" in taken.split("Carl > 2", 1)[1]
    assert "Fast plads: Bo\n" in out and "Fleksibel plads 1: ledig\n" in out


def test_the_meeting_form_asks_a_bad_answer_again_at_once(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        "møde opret",
        "Opstartsmøde",
        "31.02.2027",  # no such day: the date is asked again, now
        "14.01.2027",
        "25:00",  # no such time
        "10:00",
        "09:00",  # ends before it starts
        "12:00",
        "tv",  # no such format
        "hybrid",
        "ftp://m.example/1",  # not a link
        "https://m.example/1",
        "Rådhuset",
        "",
        "møder",
    )
    questions = out.split("Dato (fx")
    # The date's error comes right after the date, before the next question is asked.
    assert "Dato: '31.02.2027' findes ikke i kalenderen" in questions[1]
    assert "Starter" not in questions[1]
    for said in (
        "Starter: '25:00' er ikke et klokkeslæt",
        "Slutter: Mødet skal slutte efter, det starter.",
        "Format: Vælg om mødet er online, fysisk eller hybrid.",
        "Link: 'ftp://m.example/1' er ikke et link",
    ):
        assert said in out, said
    # Errors speak of the form's fields, never of the one-line command's syntax.
    assert "link=" not in out and "møde opret 0" not in out
    # Nothing typed was lost: the meeting has every answer.
    assert "#1 Opstartsmøde" in out
    assert "Torsdag den 14. januar 2027 kl. 10.00–12.00" in out
    assert "Hybrid – fysisk: Rådhuset · online: https://m.example/1" in out


def test_the_registration_form_asks_a_refused_seat_again(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        "/som U0DORTE Dorte",
        "tilmeld Aarhus",  # Dorte takes the fixed seat
        "/som U0BO Bo",
        "tilmeld",
        "Aarhus",
        "2",  # the fixed seat: taken
        "Klimachef",
        "",
        "3",  # asked again at once: a flexible seat; the title stays
        "pladser",
        KLIMANET_REGISTRATION="open",
    )
    assert "Plads: Den faste plads i Aarhus Kommune er besat af Dorte." in out
    assert "på den fleksible plads 1" in out
    assert "Fleksibel plads 1: Bo (Klimachef)" in out


def test_the_weekly_digest_and_calendar_subscriptions_in_the_console(tmp_path: Path) -> None:
    """Issue 19: the facilitator's digest comes once a week as the clock passes Monday 08:00;
    the console answers no HTTP, so ``kalender abonner`` says what the operator must set."""
    session = "\n".join(["kalender abonner", "/tid +7d", "/tid +7d", "/afslut"])
    result = run_klimanet(
        ["console", "--as", "U0KL", "--navn", "Karin"],
        session,
        tmp_path,
        KLIMANET_DIGEST="man@08:00",
        KLIMANET_PUBLIC_URL="https://klimanet.example.dk",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "KLIMANET_PUBLIC_URL" in out and "Socket Mode" in out
    first, second = out.split("> /tid +7d")[1:3]
    assert first.count("Ugens overblik fra Klimanet") == 1
    assert second.count("Ugens overblik fra Klimanet") == 1
    assert "stille uge" in first
