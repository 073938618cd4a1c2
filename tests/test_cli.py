"""The ``klimanet`` command line as a new user meets it: help, bad settings, a quiet start."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.test_console import run_klimanet


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_no_subcommand_prints_the_help(tmp_path: Path) -> None:
    result = run_klimanet([], "", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: klimanet" in result.stdout
    assert "run" in result.stdout and "console" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("command", [["run"], ["console"], ["db", "upgrade"]])
def test_a_bad_log_level_is_one_line_in_every_mode(tmp_path: Path, command: list[str]) -> None:
    result = run_klimanet(command, "/afslut\n", tmp_path, KLIMANET_LOG_LEVEL="LOUD")
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "KLIMANET_LOG_LEVEL" in line and "LOUD" in line


def test_a_bad_log_level_on_the_command_line_is_one_line(tmp_path: Path) -> None:
    result = run_klimanet(["--log-level", "loud", "console"], "", tmp_path)
    assert result.returncode == 2
    assert "KLIMANET_LOG_LEVEL" in one_line(result.stderr)


def test_a_sqlite_file_in_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "k.db"
    result = run_klimanet(["run"], "", tmp_path, DATABASE_URL=f"sqlite:///{missing}")
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "DATABASE_URL" in line and str(missing.parent) in line
    assert not missing.parent.exists()


def test_an_unreachable_postgresql_is_one_line_with_host_port_and_patience(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_klimanet(
        ["run"],
        "",
        tmp_path,
        DATABASE_URL=f"postgresql://klimanet@127.0.0.1:{port}/klimanet",
        KLIMANET_DB_WAIT="2s",
    )
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert f"127.0.0.1:{port}" in line and "tried for 2 s" in line


def test_db_upgrade_does_not_list_alembics_plugins(tmp_path: Path) -> None:
    result = run_klimanet(["db", "upgrade"], "", tmp_path, KLIMANET_LOG_LEVEL="INFO")
    assert result.returncode == 0, result.stderr
    assert "Running upgrade" in result.stderr
    assert "setup plugin" not in result.stderr
