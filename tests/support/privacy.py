"""Shared by the data-protection tests: a person with sentinel values that must vanish, a
notifier that records (and can delete) posts, and a search of every table and column, and of
a SQLite database's files, for what is left of them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, select

from bot.domain.registration import Actor
from bot.ports import DeliveryError
from bot.replies import Attachment, Posted, Reply

TEAM = "T0001"
# Unique values that appear nowhere else: after an erasure none of them may be found.
SENTINEL_ID = "USNTL7QX"
SENTINEL_NAME = "Zørbløk Sentinelsen"
SENTINEL_TITLE = "Titelsentinelqx"
SENTINEL = Actor(TEAM, SENTINEL_ID, SENTINEL_NAME, SENTINEL_TITLE)


def sentinel_forms(
    values: Iterable[str] = (SENTINEL_ID, SENTINEL_NAME, SENTINEL_TITLE),
) -> set[str]:
    """Each value as written, as JSON escapes it, and each of its words of five letters or
    more (a leak may be a fragment)."""
    forms: set[str] = set()
    for value in values:
        forms |= {value, json.dumps(value)[1:-1]}
        forms |= {word for word in value.split() if len(word) >= 5}
        forms |= {json.dumps(word)[1:-1] for word in value.split() if len(word) >= 5}
    return forms


# Reflection of a schema already seen, by dialect and the schema's own description: reflecting
# ~30 tables took most of a search's time, and every test database has the same schema.
_reflected: dict[tuple[str, str], MetaData] = {}

_SCHEMA = {
    "sqlite": "SELECT group_concat(type || ' ' || name || ' ' || coalesce(sql, ''), char(10)) "
    "FROM (SELECT * FROM sqlite_master ORDER BY type, name)",
    "postgresql": "SELECT string_agg(c.table_name || '.' || c.column_name || ' ' || c.data_type "
    "|| ' ' || c.is_nullable || ' ' || coalesce(c.column_default, ''), E'\\n' "
    "ORDER BY c.table_name, c.ordinal_position) FROM information_schema.columns c "
    "WHERE c.table_schema = current_schema()",
}


def _metadata(engine: Engine) -> MetaData:
    with engine.connect() as connection:
        description = connection.exec_driver_sql(_SCHEMA[engine.dialect.name]).scalar()
    key = (engine.dialect.name, str(description))
    if key not in _reflected:
        metadata = MetaData()
        metadata.reflect(engine)
        _reflected[key] = metadata
    return _reflected[key]


def leftovers(engine: Engine, forms: set[str] | None = None) -> list[str]:
    """Every table and every column of the database as it is (reflected, so tables added by
    later migrations are searched too), as text and as JSON."""
    forms = forms or sentinel_forms()
    metadata = _metadata(engine)
    found = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for column, value in row._mapping.items():
                    text = f"{value!r} {json.dumps(value, default=str, ensure_ascii=False)}"
                    found += [f"{table.name}.{column}: {form!r}" for form in forms if form in text]
    return found


def file_leftovers(database: Path, forms: set[str] | None = None) -> list[str]:
    """The bytes of a SQLite database and its WAL and shared-memory files."""
    forms = forms or sentinel_forms()
    found = []
    for path in database.parent.glob(database.name + "*"):
        content = path.read_bytes()
        found += [f"{path.name}: {form!r}" for form in forms if form.encode("utf-8") in content]
    return found


@dataclass
class Recorder:
    """A notifier that records posts, updates and deletions; DM channels are neutral ids."""

    posts: list[tuple[str, Posted, Reply]] = field(default_factory=list)
    updates: list[tuple[Posted, Reply]] = field(default_factory=list)
    deleted: list[Posted] = field(default_factory=list)
    fail_first_post_to: str | None = None
    _channels: dict[str, str] = field(default_factory=dict)

    def post(self, recipient: str, reply: Reply, *, post_id: int | None = None) -> Posted:
        if recipient == self.fail_first_post_to:
            self.fail_first_post_to = None
            raise DeliveryError("account_inactive", permanent=True)
        channel = recipient
        if recipient[:1] in ("U", "W"):
            channel = self._channels.setdefault(recipient, f"D{len(self._channels) + 1:06d}")
        posted = Posted(channel, f"{len(self.posts) + 1}.000100")
        self.posts.append((recipient, posted, reply))
        return posted

    def find_post(self, recipient: str, post_id: int, since: datetime) -> Posted | None:
        return None  # a recorder's post never has an unknown fate

    def upload(self, attachment: Attachment) -> str:
        return attachment.filename

    def share(self, posted: Posted, file_id: str, title: str) -> None:
        pass

    def find_share(self, posted: Posted, file_id: str) -> bool:
        return False

    def update(self, posted: Posted, reply: Reply) -> None:
        self.updates.append((posted, reply))

    def delete(self, posted: Posted) -> None:
        self.deleted.append(posted)

    def to(self, recipient: str) -> list[Posted]:
        return [posted for who, posted, _ in self.posts if who == recipient]

    def texts_to(self, recipient: str) -> list[str]:
        return [reply.text for who, _, reply in self.posts if who == recipient]


def as_dict(value: Any) -> dict[str, Any]:
    assert isinstance(value, dict)
    return value
