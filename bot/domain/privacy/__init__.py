"""Data protection in the domain: leaving at once (erasure, a deactivated account), becoming a
pseudonym (erasure, retention), what Klimanet holds about someone, and whom retention forgets.

A pseudonym is the person's own row with everything that names them removed: the name becomes
"Slettet bruger <id>", the title, fagområder, team and user ids go. Every other table refers to
people by internal id, so the seat history, past offers and attendance stay true under the
pseudonym without naming anyone, and nothing else needs to change.
"""

from __future__ import annotations

from bot.domain.privacy.access import Held, held_about
from bot.domain.privacy.common import PSEUDONYM_NAME, Why, find_person, pseudonym_name
from bot.domain.privacy.leaving import Vacated, vacate
from bot.domain.privacy.pseudonyms import (
    authored_by,
    drop_expired_files,
    forget_author,
    pseudonymise,
    record_erasure,
)
from bot.domain.privacy.retention import age_history, forget_old_authors, idle_people

__all__ = [
    "PSEUDONYM_NAME",
    "pseudonym_name",
    "find_person",
    "Why",
    "Vacated",
    "vacate",
    "pseudonymise",
    "forget_author",
    "authored_by",
    "record_erasure",
    "idle_people",
    "age_history",
    "forget_old_authors",
    "Held",
    "held_about",
    "drop_expired_files",
]
