"""Slack's inbound text, turned into the neutral text the core parses (mentions as
``bot.mentions`` marks them: the core never reads ``<@U…>``).

The manifest sets ``should_escape: true``, so a slash command's text arrives with ``&``, ``<``
and ``>`` HTML-escaped and with what Slack recognised as tokens: ``<@U123|anna>``,
``<#C123|kanal>``, ``<https://x.dk>``, ``<https://x.dk|label>``, ``<!here>``. Modal values arrive
unescaped and need none of this.
"""

from __future__ import annotations

import re

from bot.mentions import Mention, mark, unmarked

_TOKEN = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_BARE_LINK = re.compile(r"(?:https?://|mailto:)[^|]*", re.IGNORECASE)
_MENTION = re.compile(r"(@[UW][A-Z0-9]+)(?:\|(.*))?", re.DOTALL)


def _unescape(text: str) -> str:
    # One pass, so "&amp;lt;" (a person typing "&lt;") stays the text "&lt;".
    return _ENTITY.sub(lambda entity: _ENTITIES[entity.group(1)], text)


def decode_command_text(text: str) -> str:
    """A slash command's text as the person typed it: a bare link becomes its URL, a person's
    mention a neutral mention (``bot.mentions``, whose text as typed is the Slack token, kept
    where text is data), labelled links, channels and ``<!here>`` stay Slack tokens, and the
    escaped ``&``, ``<`` and ``>`` become the characters again (in a mention's name too)."""
    text = unmarked(text)  # a mark in the text is only ever one made here
    out: list[str] = []
    position = 0
    for token in _TOKEN.finditer(text):
        out.append(_unescape(text[position : token.start()]))
        inner = token.group(1)
        mention = _MENTION.fullmatch(inner)
        if _BARE_LINK.fullmatch(inner):
            out.append(_unescape(inner))
        elif mention:
            # The name Slack showed, as written; "<" and ">" cannot stay inside a token.
            name = _unescape(mention.group(2) or "").replace("<", "").replace(">", "")
            typed = f"<{mention.group(1)}|{name}>" if name else f"<{mention.group(1)}>"
            out.append(mark(Mention(mention.group(1).removeprefix("@"), typed, name)))
        else:
            out.append(token.group(0))
        position = token.end()
    out.append(_unescape(text[position:]))
    return "".join(out)
