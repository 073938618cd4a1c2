"""Replies read through each renderer, for tests that assert wording.

``slack_read`` is the text as Slack's mrkdwn source reads it (``*bold*``, ``:emoji:`` codes,
``<@id>``) but with user text as written, not escaped, so a wording test can state the sentence
a Slack user sees; ``SlackRead`` is a reply whose ``text`` reads that way.
"""

from __future__ import annotations

from dataclasses import fields

from bot.markup import render
from bot.replies import Reply
from handlers.slack.blocks import MrkdwnStyle


class _SlackSource(MrkdwnStyle):
    def user(self, piece: str) -> str:
        return piece


_SLACK = _SlackSource()


def slack_read(marked: str) -> str:
    """``marked`` as Slack mrkdwn, user text unescaped."""
    return render(marked, _SLACK)


class SlackRead(Reply):
    """A reply whose ``text`` is read as in Slack (see ``slack_read``)."""

    @property
    def text(self) -> str:
        return slack_read(self.marked_text)


def read_in_slack(reply: Reply) -> SlackRead:
    return SlackRead(**{f.name: getattr(reply, f.name) for f in fields(reply)})
