"""Files in Teams: a bot can upload a file only in a 1:1 chat (through a consent card), so a file
(a meeting's calendar file, an export) is shared as a card with an ``Action.OpenUrl`` button to a
signed, expiring link on the bot's own host (``KLIMANET_PUBLIC_URL/filer/<id>?exp=…&sig=…``).

The file itself is kept in the database (``adapter_files``) until the link expires, so a link
opened on another replica, or after a restart, still works; the retention job removes expired
files. An export is for the one person who asked: its link names them (``til=``), the signature
binds the name, and the kept file is theirs, so nobody else's link can open it (no login: the
signature proves it). A guessed, expired, tampered or someone else's link finds nothing (404),
checked in the same steps whatever is wrong with it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from sqlalchemy import select

from bot.db import SessionFactory, transaction
from bot.models import AdapterFile
from bot.replies import Attachment

FILES_PATH = "/filer/"
# An export (a person's own file) is valid one hour; a file shared with many (a meeting's
# calendar file under an announcement) as long as people may still open that post.
PERSONAL_LIFETIME = timedelta(hours=1)
SHARED_LIFETIME = timedelta(days=90)
# Where the link's signature key comes from when KLIMANET_LINK_SECRET is not set.
KEY_LABEL = b"klimanet file links"


def link_key(secret: str) -> bytes:
    """The signing key, derived from a secret of the bot's (never the secret itself)."""
    return hmac.new(secret.encode(), KEY_LABEL, hashlib.sha256).digest()


class FileStore:
    """Files kept for their links, and the links signed with the bot's key."""

    def __init__(
        self,
        sessions: SessionFactory,
        key: bytes,
        public_url: str,
        now: Callable[[], datetime],
        *,
        platform: str = "teams",
    ) -> None:
        self._sessions = sessions
        self._key = key
        self.public_url = public_url.rstrip("/")
        self._now = now
        self._platform = platform

    def keep(self, attachment: Attachment, *, owner: str = "") -> str:
        """Keep the file (for ``owner`` only, if given); its id, a random token."""
        file_id = secrets.token_urlsafe(24)
        lifetime = PERSONAL_LIFETIME if owner else SHARED_LIFETIME
        with transaction(self._sessions) as session:
            session.add(
                AdapterFile(
                    id=file_id,
                    platform=self._platform,
                    owner_key=owner,
                    filename=attachment.filename[:255],
                    title=attachment.title[:255],
                    content=attachment.content,
                    expires_at=self._now() + lifetime,
                )
            )
        return file_id

    def get(self, file_id: str) -> Attachment | None:
        """The kept file, if it has not expired."""
        row = self._row(file_id)
        return _attachment(row) if row is not None else None

    def link(self, file_id: str) -> str:
        """The signed link to a kept file (it expires with the file)."""
        row = self._row(file_id)
        if row is None:
            raise KeyError(file_id)
        expires = int(row.expires_at.timestamp())
        query = {"exp": str(expires)}
        if row.owner_key:
            query["til"] = row.owner_key
        query["sig"] = self._sign(file_id, expires, row.owner_key)
        return f"{self.public_url}{FILES_PATH}{quote(file_id)}?{urlencode(query)}"

    def open(self, url: str) -> Attachment | None:
        """The file a link names, if the link is ours, unexpired, signed for the person it
        names, and the file is still kept for that person; else None."""
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        file_id = parts.path.rsplit("/", 1)[-1]
        owner = _one(query, "til")
        expires_text = _one(query, "exp")
        expires = int(expires_text) if expires_text.isdecimal() else -1
        # The signature is computed and compared whatever else is wrong with the link.
        good = hmac.compare_digest(_one(query, "sig"), self._sign(file_id, expires, owner))
        good &= parts.path.startswith(FILES_PATH) and expires >= self._now().timestamp()
        row = self._row(file_id) if good else None
        if row is None or not hmac.compare_digest(row.owner_key, owner):
            return None
        return _attachment(row)

    def _row(self, file_id: str) -> AdapterFile | None:
        with self._sessions() as session:
            row = session.scalar(
                select(AdapterFile).where(
                    AdapterFile.id == file_id,
                    AdapterFile.platform == self._platform,
                    AdapterFile.expires_at >= self._now(),
                )
            )
            if row is not None:
                session.expunge(row)
        return row

    def _sign(self, file_id: str, expires: int, owner: str) -> str:
        message = f"{file_id}\0{expires}\0{owner}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:40]


def _one(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name) or [""]
    return values[0]


def _attachment(row: AdapterFile) -> Attachment:
    return Attachment(row.filename, row.content, row.title)
