"""Slack's inbound text, turned into the neutral text the core parses.

The manifest sets ``should_escape: true``, so a slash command's text arrives with ``&``, ``<``
and ``>`` HTML-escaped and with what Slack recognised as tokens: ``<@U123|anna>``,
``<#C123|kanal>``, ``<https://x.dk>``, ``<https://x.dk|label>``, ``<!here>``. Modal values arrive
unescaped and need none of this.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_BARE_LINK = re.compile(r"(?:https?://|mailto:)[^|]*", re.IGNORECASE)
_MENTION = re.compile(r"(@[UW][A-Z0-9]+)\|(.*)", re.DOTALL)


def _unescape(text: str) -> str:
    # One pass, so "&amp;lt;" (a person typing "&lt;") stays the text "&lt;".
    return _ENTITY.sub(lambda entity: _ENTITIES[entity.group(1)], text)


def decode_command_text(text: str) -> str:
    """A slash command's text as the person typed it: a bare link becomes its URL, mentions
    (which ``bot.service.parsing.mentions`` reads) and labelled links stay Slack tokens, and the
    escaped ``&``, ``<`` and ``>`` become the characters again (in a mention's name too)."""
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
            name = _unescape(mention.group(2)).replace("<", "").replace(">", "")
            out.append(f"<{mention.group(1)}|{name}>")
        else:
            out.append(token.group(0))
        position = token.end()
    out.append(_unescape(text[position:]))
    return "".join(out)
