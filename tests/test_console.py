"""The local console, driven as a user would: through a pipe and through a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
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
            "/klimanet tilmeld Aarhus",
            "/som U0BO Bo Hansen",
            "tilmeld",  # the form as questions
            "Århus",
            "3",
            "Klimachef",
            "1, 7",
            "pladser",
            "afmeld",
            "1",
            "/afslut",
        ]
    )
    result = run_klimanet(
        ["run", "--as", "U0ANNA", "--navn", "Anna Jensen"],
        session,
        tmp_path,
        KLIMANET_REGISTRATION="open",
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
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
            "tilmeld Aarhus",  # the console user is a facilitator, the approver: in at once
            "/som U0BO Bo",
            "tilmeld Aarhus fleksibel",  # later ones: Aarhus' coordinator (Anna again)
            "/som U0ANNA Anna",
            "1",
            "overdrag @U0CARL",
            "/som U0CARL Carl",
            "1",
            "pladser",
            "/afslut",
        ]
    )
    result = run_klimanet(["console", "--as", "U0ANNA", "--navn", "Anna"], session, tmp_path)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Du er tilmeldt Kommunernes klimapolitiske netværk for Aarhus Kommune" in out
    assert "venter på godkendelse fra Aarhus' kontaktperson" in out
    assert out.count("Din tilmelding er godkendt") == 1
    assert "Anna vil overdrage den faste plads i Aarhus til dig" in out
    assert "Fast plads: Carl" in out and "Fleksibel plads 1: Bo" in out
    assert "Traceback" not in out + result.stderr


def test_console_time_travel_plays_out_a_meeting(tmp_path: Path) -> None:
    session = "\n".join(
        [
            "tilmeld Aarhus",
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


def test_console_in_a_pseudo_terminal(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--as", "U0ANNA", "--navn", "Anna"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        cwd=tmp_path,
        env={**BASE_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"},
    )
    os.close(terminal)
    seen = b""

    def read_until(marker: bytes, timeout: float = 30) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                seen += os.read(controller, 4096)

    try:
        read_until(b"Anna > ")
        os.write(controller, b"tilmeld Odense fleksibel\n")
        read_until(b"fleksible plads 1")
        os.write(controller, b"/afslut\n")
        read_until(b"Farvel")
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        os.close(controller)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"SLACK_BOT_TOKEN": "not-a-token"}, "SLACK_BOT_TOKEN"),
        ({"KLIMANET_ADMINS": "anna,U0BO"}, "KLIMANET_ADMINS"),
        ({"KLIMANET_CHANNEL": "#klima"}, "KLIMANET_CHANNEL"),
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
