"""Mentions as the core reads them: an adapter turns its platform's mention (Slack's user token
with the id and the name it showed, the console's ``@Bo``, Teams' ``<at>`` tag) into a neutral
``Mention`` before the service sees the words, and writes it into the command's text as one
marked word.

The mark is made of private-use characters that no platform sends and that an adapter removes
from what people typed (``unmarked``) before it marks its mentions, so a mark in the text is
always the adapter's. The account is opaque to the core: whatever string the platform uses
(a Slack user id, a Teams object id, a console name), without whitespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = "\ue100"
_SEP = "\ue101"
_CLOSE = "\ue102"
_SPACE = "\ue103"  # whitespace inside a mark, so the mark stays one word of the command
MARKS = frozenset(_OPEN + _SEP + _CLOSE + _SPACE)
MAX_ACCOUNT = 255

_MARK = re.compile(
    f"{_OPEN}([^{_SEP}{_CLOSE}]+){_SEP}([^{_SEP}{_CLOSE}]*){_SEP}([^{_CLOSE}]*){_CLOSE}"
)
_MARK_CHARS = re.compile(f"[{''.join(sorted(MARKS))}]")


@dataclass(frozen=True, slots=True)
class Mention:
    """A person a platform recognised in what someone typed."""

    account: str  # the platform's opaque id of the person
    typed: str  # the mention as the platform wrote it in the text (kept where text is data)
    name: str = ""  # the name the platform showed, when it gave one


def is_account(text: str) -> bool:
    """Whether ``text`` can be an account: non-empty, no whitespace, at most 255 characters."""
    return 0 < len(text) <= MAX_ACCOUNT and not any(ch.isspace() for ch in text)


def _packed(text: str) -> str:
    return _SPACE.join(unmarked(text).split(" "))


def mark(mention: Mention) -> str:
    """The mention as one word of a command's text."""
    if not is_account(mention.account) or _MARK_CHARS.search(mention.account):
        raise ValueError(f"not an account: {mention.account!r}")
    typed = " ".join(mention.typed.split())
    name = " ".join(mention.name.split())
    return f"{_OPEN}{mention.account}{_SEP}{_packed(typed)}{_SEP}{_packed(name)}{_CLOSE}"


def read(word: str) -> Mention | None:
    """The mention a word is (the whole word), else None."""
    match = _MARK.fullmatch(word)
    if match is None:
        return None
    account, typed, name = (part.replace(_SPACE, " ") for part in match.groups())
    return Mention(account, typed, name)


def as_typed(text: str) -> str:
    """``text`` with each mention written as the platform wrote it: where text is data (a title,
    a reason, a word quoted in an error), never a mark."""
    text = _MARK.sub(lambda match: match.group(2).replace(_SPACE, " "), text)
    return unmarked(text)


def unmarked(text: str) -> str:
    """``text`` without the characters marks are made of (an adapter's first step: a mark in
    the text is only ever one it made)."""
    return _MARK_CHARS.sub("", text)
