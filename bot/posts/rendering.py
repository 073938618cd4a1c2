"""What rendering a post gives delivery: the message, a file to go with it, the earlier
message it replaces or deletes; and what rendering needs to know besides the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.replies import Attachment, Posted, Reply


@dataclass(frozen=True, slots=True)
class Rendered:
    reply: Reply
    attachment: Attachment | None = None
    update_of: Posted | None = None
    # Delete this earlier post instead of posting (``reply`` is not sent).
    delete_of: Posted | None = None


@dataclass(frozen=True, slots=True)
class RenderContext:
    tz: ZoneInfo
    catchup: timedelta
    now: datetime
