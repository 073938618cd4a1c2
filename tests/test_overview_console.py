"""``overblik`` and ``eksport`` in the local console: the same commands, the files saved for the
person at the terminal (the console's first user is a facilitator)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook
from PIL import Image

from tests.test_console import run_klimanet


def saved(tmp_path: Path, pattern: str) -> Path:
    found = sorted(tmp_path.rglob(pattern))
    assert len(found) == 1, (pattern, found)
    return found[0]


def test_overview_and_exports_are_saved_in_the_console(tmp_path: Path) -> None:
    session = "\n".join(
        [
            "/som U0BO Bo Hansen",  # KL's facilitator takes no seat: Bo registers
            "tilmeld Aarhus",
            "/som U0SARA Sara Røpke",
            "/klimanet overblik",
            "overblik deltagelse",
            "overblik temaer",
            "eksport medlemmer",
            "eksport historik csv",
            "/som U0BO Bo Hansen",
            "overblik",
            "/afslut",
        ]
    )
    result = run_klimanet(
        ["run", "--as", "U0SARA", "--navn", "Sara Røpke"],
        session,
        tmp_path,
        KLIMANET_REGISTRATION="open",
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "1 kommune · 1 af 3 pladser besat" in out
    assert "Region Midtjylland: 1 kommune · 1 af 3 pladser besat" in out
    assert "klimanet-medlemmer-" in out and "med 3 rækker" in out
    assert "kun for facilitatorer" in out  # Bo is not one

    picture = Image.open(saved(tmp_path, "klimanet-kort-*.png"))
    assert picture.format == "PNG" and 950 <= picture.size[0] <= 1050
    assert Image.open(saved(tmp_path, "klimanet-deltagelse-*.png")).size[0] == 1000
    assert Image.open(saved(tmp_path, "klimanet-temaer-*.png")).size[0] == 1000
    sheet = load_workbook(saved(tmp_path, "klimanet-medlemmer-*.xlsx")).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Kommune" and rows[1][:3] == (
        "Aarhus Kommune",
        "Region Midtjylland",
        "Fast plads",
    )
    history = saved(tmp_path, "klimanet-historik-*.csv").read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(history), delimiter=";"))
    assert lines[0][3] == "Hændelse" and lines[1][3] == "tilmeldt"
