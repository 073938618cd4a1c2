"""Waiting for a log line that work on another thread writes."""

from __future__ import annotations

import time

import pytest


def wait_for_message(
    caplog: pytest.LogCaptureFixture, message: str, *, count: int = 1, timeout: float = 10.0
) -> int:
    """Wait until ``message`` was logged ``count`` times; returns how often it was (fails on
    timeout). A repeat is refused on the work pool, after its ack, so the line comes later."""
    deadline = time.monotonic() + timeout
    while True:
        seen = caplog.messages.count(message)
        if seen >= count:
            return seen
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message!r} logged {seen} times, expected {count}")
        time.sleep(0.02)
