"""Draws the README's picture of a poll's result, ``docs/afstemning.png``: the bar chart that
Klimanet shares in the channel when a poll closes, from made-up votes (31 of 34 member
municipalities voted).

    uv run python docs/make_afstemning_png.py
"""

from __future__ import annotations

from pathlib import Path

from bot.reports.poll_chart import render_poll_chart
from bot.texts import polls as poll_texts

DOCS = Path(__file__).parent
QUESTION = "Hvilket tema til efterårsmødet?"
COUNTS = (("Klimatilpasning", 14), ("Affald", 6), ("Mobilitet", 8), ("CO2-regnskaber", 3))


def main() -> None:
    png = render_poll_chart(
        poll_texts.chart_title(4, QUESTION),
        poll_texts.chart_subtitle(sum(count for _, count in COUNTS), 34),
        COUNTS,
    )
    (DOCS / "afstemning.png").write_bytes(png.data)


if __name__ == "__main__":
    main()
