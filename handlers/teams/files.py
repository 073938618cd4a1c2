"""Files in Teams: a bot can upload a file only in a 1:1 chat (through a consent card), so a file
(a meeting's calendar file, an export) is shared as a card with an ``Action.OpenUrl`` button to a
signed, expiring link on the bot's own host (``KLIMANET_PUBLIC_URL``).

The bytes are kept in this process until the link expires: a link opened on another replica, or
after a restart, answers 404 and the person asks again.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

from bot.replies import Attachment

FILES_PATH = "/api/filer/"
LINK_LIFETIME_S = 3600.0


@dataclass
class FileStore:
    """Uploaded files by id, and links to them signed with the bot's secret."""

    secret: bytes
    public_url: str
    clock: Callable[[], float] = time.time
    lifetime: float = LINK_LIFETIME_S
    _files: dict[str, tuple[Attachment, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def keep(self, attachment: Attachment) -> str:
        """Keep the file; its id (the same content keeps one id)."""
        digest = hashlib.sha256(attachment.filename.encode() + b"\0" + attachment.content)
        file_id = digest.hexdigest()[:32]
        with self._lock:
            self._files[file_id] = (attachment, self.clock() + self.lifetime)
            self._drop_expired()
        return file_id

    def get(self, file_id: str) -> Attachment | None:
        with self._lock:
            kept = self._files.get(file_id)
        return kept[0] if kept is not None else None

    def link(self, file_id: str) -> str:
        with self._lock:
            kept = self._files.get(file_id)
        expires = int(kept[1]) if kept is not None else int(self.clock() + self.lifetime)
        signature = self._sign(file_id, expires)
        return f"{self.public_url}{FILES_PATH}{quote(file_id)}?exp={expires}&sig={signature}"

    def open(self, url: str) -> Attachment | None:
        """The file a link names, if the link is ours, unexpired and its file still kept."""
        parts = urlsplit(url)
        if not parts.path.startswith(FILES_PATH):
            return None
        file_id = parts.path[len(FILES_PATH) :]
        query = parse_qs(parts.query)
        try:
            expires = int(query["exp"][0])
            signature = query["sig"][0]
        except (KeyError, IndexError, ValueError):
            return None
        if not hmac.compare_digest(signature, self._sign(file_id, expires)):
            return None
        if expires < self.clock():
            return None
        with self._lock:
            kept = self._files.get(file_id)
        return kept[0] if kept is not None else None

    def _sign(self, file_id: str, expires: int) -> str:
        message = f"{file_id}:{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()[:32]

    def _drop_expired(self) -> None:
        now = self.clock()
        for file_id in [f for f, (_, until) in self._files.items() if until < now]:
            del self._files[file_id]
