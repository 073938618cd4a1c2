"""Danish dates and times as users read them, in winter (CET) and summer (CEST)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.texts.dates import format_date, format_short_date, format_span, format_time, format_when

CPH = ZoneInfo("Europe/Copenhagen")

SUMMER = datetime(2026, 6, 25, 8, 0, tzinfo=UTC)  # 10.00 CEST, a Thursday
WINTER = datetime(2026, 1, 8, 9, 0, tzinfo=UTC)  # 10.00 CET, a Thursday


def test_format_when_summer() -> None:
    assert format_when(SUMMER, CPH) == "torsdag den 25. juni 2026 kl. 10.00"


def test_format_when_winter() -> None:
    assert format_when(WINTER, CPH) == "torsdag den 8. januar 2026 kl. 10.00"


def test_the_networks_first_meeting() -> None:
    assert format_when(datetime(2020, 6, 25, 8, tzinfo=UTC), CPH) == (
        "torsdag den 25. juni 2020 kl. 10.00"
    )


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (SUMMER, "torsdag den 25. juni 2026"),
        (WINTER, "torsdag den 8. januar 2026"),
        (datetime(2026, 3, 1, 12, tzinfo=UTC), "søndag den 1. marts 2026"),
        (datetime(2026, 5, 16, 12, tzinfo=UTC), "lørdag den 16. maj 2026"),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "fredag den 1. januar 2027"),  # local day
    ],
)
def test_format_date(at: datetime, expected: str) -> None:
    assert format_date(at, CPH) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (SUMMER, "25.06.2026"),
        (WINTER, "08.01.2026"),
        (datetime(2026, 6, 30, 22, 30, tzinfo=UTC), "01.07.2026"),  # 00.30 CEST the next day
    ],
)
def test_format_short_date(at: datetime, expected: str) -> None:
    assert format_short_date(at, CPH) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (SUMMER, "10.00"),
        (WINTER, "10.00"),
        (datetime(2026, 1, 8, 8, 5, tzinfo=UTC), "09.05"),
        (datetime(2026, 6, 25, 22, 0, tzinfo=UTC), "00.00"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "03.00"),  # the first minute of summer time
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "02.30"),  # the first 02.30 (CEST)
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "02.30"),  # the second 02.30 (CET)
    ],
)
def test_format_time(at: datetime, expected: str) -> None:
    assert format_time(at, CPH) == expected


def test_format_span_same_day() -> None:
    end = SUMMER + timedelta(hours=2)
    assert format_span(SUMMER, end, CPH) == "torsdag den 25. juni 2026 kl. 10.00\u201312.00"


def test_format_span_winter_with_minutes() -> None:
    end = WINTER + timedelta(hours=2, minutes=30)
    assert format_span(WINTER, end, CPH) == "torsdag den 8. januar 2026 kl. 10.00\u201312.30"


def test_format_span_over_midnight_writes_both_in_full() -> None:
    start = datetime(2026, 6, 25, 18, 0, tzinfo=UTC)  # 20.00 CEST
    end = datetime(2026, 6, 26, 7, 0, tzinfo=UTC)  # 09.00 CEST the next day
    assert format_span(start, end, CPH) == (
        "torsdag den 25. juni 2026 kl. 20.00 \u2013 fredag den 26. juni 2026 kl. 09.00"
    )


def test_any_aware_input_is_shown_in_copenhagen() -> None:
    new_york = timezone(timedelta(hours=-4))
    assert format_when(datetime(2026, 6, 25, 4, 0, tzinfo=new_york), CPH) == (
        "torsdag den 25. juni 2026 kl. 10.00"
    )


def test_naive_input_is_refused() -> None:
    with pytest.raises(ValueError):
        format_when(datetime(2026, 6, 25, 8, 0), CPH)
