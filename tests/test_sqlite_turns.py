"""SQLite: this process's threads take turns to write, so the next one starts the moment the
last committed (SQLite's own busy handler slept in steps of up to 100 ms), and a turn is given
back however the transaction ends."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from bot.db import _write_turns, make_engine


def test_a_waiting_writer_starts_when_the_other_commits_and_every_ending_gives_the_turn_back(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    engine, replica = make_engine(url), make_engine(url)  # two engines on one file share turns
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (n INTEGER)"))
        started: list[float] = []

        def write() -> None:
            with replica.begin() as connection:
                started.append(time.monotonic())
                connection.execute(text("INSERT INTO t VALUES (2)"))

        with engine.connect() as first:
            first.execute(text("INSERT INTO t VALUES (1)"))  # holds the turn (and the lock)
            waiting = threading.Thread(target=write)
            waiting.start()
            time.sleep(0.05)
            assert started == []  # waits for its turn
            committed = time.monotonic()
            first.commit()
        waiting.join(5)
        assert started and started[0] - committed < 0.5, started
        turn = _write_turns(url).lock
        assert not turn.locked()

        # Rolled back, or returned to the pool mid-transaction: the turn is free again.
        with engine.connect() as connection:
            connection.execute(text("INSERT INTO t VALUES (3)"))
            assert turn.locked()
            connection.rollback()
        assert not turn.locked()
        with engine.connect() as connection:
            connection.execute(text("INSERT INTO t VALUES (4)"))
        assert not turn.locked()
        with replica.begin() as connection:
            rows = connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all()
        assert rows == [1, 2]
    finally:
        engine.dispose()
        replica.dispose()
