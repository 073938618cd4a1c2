"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from bot.db import alembic_config, upgrade
from bot.models import Base


def test_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    # SQLite rebuilt ``networks`` with its foreign keys off: they are on again afterwards.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text("INSERT INTO network_seat_slots (network_id, kind, slot) VALUES (99, 'fixed', 1)")
        )


def test_downgrade_to_base_and_up_again(engine: Engine) -> None:
    with engine.connect() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        connection.commit()
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM municipalities")).scalar() == 98
        rule = connection.execute(
            text("SELECT kind, slot FROM network_seat_slots ORDER BY kind, slot")
        ).all()
    assert [tuple(r) for r in rule] == [("fixed", 1), ("flexible", 1), ("flexible", 2)]
    assert {c["name"] for c in inspect(engine).get_columns("networks")}.isdisjoint(
        {"fixed_seats", "flexible_seats"}
    )


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade(engine)  # the fixture's database is already at head: a second run changes nothing
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM municipalities")).scalar() == 98


MEETING_ROW = text(
    "INSERT INTO meetings (network_id, number, title, themes, starts_at, ends_at, format, "
    "location, status, cancel_reason, sequence, agenda_revision, schedule_version, created_by, "
    "created_at, updated_at) VALUES (1, :number, 'Møde', '[]', :starts, :ends, :format, "
    ":location, 'planned', '', 0, 0, 0, 'U1', :starts, :starts)"
)


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.connect() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
        connection.commit()


def test_0007_moves_an_online_meetings_link_to_its_own_column_and_back(engine: Engine) -> None:
    times = {"starts": "2027-06-25 08:00:00+00:00", "ends": "2027-06-25 10:00:00+00:00"}
    _migrate(engine, "0006", down=True)
    with engine.begin() as connection:
        connection.execute(
            MEETING_ROW, {"number": 1, "format": "online", "location": "https://m.x/1", **times}
        )
        connection.execute(
            MEETING_ROW, {"number": 2, "format": "physical", "location": "KL", **times}
        )
    _migrate(engine, "0007")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT number, format, location, link FROM meetings ORDER BY number")
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, "online", "", "https://m.x/1"),
        (2, "physical", "KL", ""),
    ]
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE meetings SET format = 'hybrid', link = 'https://m.x/2' WHERE number = 2")
        )
    _migrate(engine, "0006", down=True)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT number, format, location FROM meetings ORDER BY number")
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, "online", "https://m.x/1"),
        (2, "physical", "KL – https://m.x/2"),
    ]
    _migrate(engine, "head")


def test_0009_drops_the_seat_counts_and_the_downgrade_counts_them_from_the_rule(
    engine: Engine,
) -> None:
    """The seat rule lives in the slots table only; going back writes the counts the rule has
    (here a network with three flexible seats), and coming up again drops them."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO network_seat_slots (network_id, kind, slot) VALUES (1, 'flexible', 3)"
            )
        )
    _migrate(engine, "0008_meet", down=True)
    with engine.connect() as connection:
        counts = connection.execute(text("SELECT fixed_seats, flexible_seats FROM networks")).one()
    assert tuple(counts) == (1, 3)
    _migrate(engine, "head")
    columns = {c["name"] for c in inspect(engine).get_columns("networks")}
    assert "fixed_seats" not in columns and "flexible_seats" not in columns
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    # SQLite rebuilt ``networks`` with its foreign keys off: they are on again afterwards.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text("INSERT INTO network_seat_slots (network_id, kind, slot) VALUES (99, 'fixed', 1)")
        )


PERSON_ROW = text(
    "INSERT INTO people (team_id, user_id, name, title, themes, created_at) "
    "VALUES ('T0001', :user, :name, '', '[]', '2027-01-01 08:00:00+00:00')"
)
OUTBOX_ROW = text(
    "INSERT INTO outbox (key, kind, recipient, due_at, status, attempts, last_error, payload, "
    "created_at) VALUES (:key, :kind, :recipient, '2027-01-01 08:00:00+00:00', 'sent', 1, '', "
    "'{}', '2027-01-01 08:00:00+00:00')"
)
OLD_POSTS = {
    "announce:meeting=1:channel": ("announce", "C0NET"),
    "news:1:channel": ("news", "G0PRIVATE"),
    "agenda_update:meeting=1:rev=1:channel": ("agenda_update", "-"),
    "reminder_dm:meeting=1:person=1": ("reminder_dm", "U0ANNA"),
    "approval:request=1:approver=1": ("approval", "W0ENTERPRISE"),
    "reminder_dm:meeting=1:fanout": ("fanout", "-"),
}


def test_0010_keys_people_by_platform_and_addresses_every_post(engine: Engine) -> None:
    """Today's people become Slack's, keyed (platform, workspace, account); every outbox row
    says whether it went to a person or a place (read from Slack's id shapes this once); chat
    ids take 255 characters; and the downgrade gives the old columns their values back."""
    _migrate(engine, "0009_seatrule", down=True)
    with engine.begin() as connection:
        connection.execute(PERSON_ROW, {"user": "U0ANNA", "name": "Anna"})
        connection.execute(PERSON_ROW, {"user": "U0BO", "name": "Bo"})
        for key, (kind, recipient) in OLD_POSTS.items():
            connection.execute(OUTBOX_ROW, {"key": key, "kind": kind, "recipient": recipient})
    _migrate(engine, "head")
    with engine.connect() as connection:
        people = connection.execute(
            text("SELECT platform, workspace, account, name FROM people ORDER BY id")
        ).all()
        addressed = dict(connection.execute(text("SELECT key, addressed_to FROM outbox")).all())
    assert [tuple(p) for p in people] == [
        ("slack", "T0001", "U0ANNA", "Anna"),
        ("slack", "T0001", "U0BO", "Bo"),
    ]
    assert addressed == {
        "announce:meeting=1:channel": "place",
        "news:1:channel": "place",
        "agenda_update:meeting=1:rev=1:channel": "place",
        "reminder_dm:meeting=1:person=1": "person",
        "approval:request=1:approver=1": "person",
        "reminder_dm:meeting=1:fanout": "person",
    }
    long_id = "19:" + "x" * 197
    with engine.begin() as connection:
        connection.execute(text("UPDATE networks SET channel_id = :id"), {"id": long_id})
        # The same account on another platform is another person; on the same one, refused.
        connection.execute(
            text(
                "INSERT INTO people (platform, workspace, account, name, title, themes, "
                "created_at) VALUES ('teams', 'T0001', 'U0ANNA', 'Anna T', '', '[]', "
                "'2027-01-01 08:00:00+00:00')"
            )
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO people (platform, workspace, account, name, title, themes, "
                "created_at) VALUES ('slack', 'T0001', 'U0BO', 'Bo again', '', '[]', "
                "'2027-01-01 08:00:00+00:00')"
            )
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("UPDATE outbox SET addressed_to = 'channel'"))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM people WHERE platform = 'teams'"))
        # An id that does not fit the old columns must go before the downgrade can narrow them.
        connection.execute(text("UPDATE networks SET channel_id = 'C0NET'"))

    _migrate(engine, "0009_seatrule", down=True)
    columns = {c["name"] for c in inspect(engine).get_columns("people")}
    assert {"team_id", "user_id"} <= columns and not {"platform", "workspace", "account"} & columns
    assert "addressed_to" not in {c["name"] for c in inspect(engine).get_columns("outbox")}
    with engine.connect() as connection:
        back = connection.execute(text("SELECT team_id, user_id FROM people ORDER BY id")).all()
        recipients = dict(connection.execute(text("SELECT key, recipient FROM outbox")).all())
    assert [tuple(p) for p in back] == [("T0001", "U0ANNA"), ("T0001", "U0BO")]
    assert recipients == {key: recipient for key, (_, recipient) in OLD_POSTS.items()}
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(PERSON_ROW, {"user": "U0BO", "name": "Bo again"})
    _migrate(engine, "head")
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
