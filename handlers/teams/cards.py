"""The neutral reply as Teams activities: a reply with buttons as an Adaptive Card (version 1.5,
``Action.Submit`` buttons whose data carries the same action id and value as Slack's buttons),
a reply without as a plain Markdown message; never text and a card in one activity (Teams would
split them and the second part's id would be lost), and every activity under 80 KB.

The bot's marked text (bot.markup's vocabulary) becomes Teams Markdown; text a member typed is
escaped, so it can show no link, mention, bold text or ``<at>`` tag.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot import texts
from bot.markup import PlainStyle, PlatformWord
from bot.markup import render as render_marked
from bot.replies import USER_END, USER_START, Button, Reply

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
# Teams refuses about 100 KB (counted in UTF-16); the bot stays under 80 KB.
MAX_ACTIVITY_BYTES = 80_000
# Where the submitted data says which button it was (Slack: the action id and value).
ACTION_KEY = "klimanet_action"
VALUE_KEY = "klimanet_value"
# On a Home card's buttons: the answer is a new message, and the Home stays as it is.
HOME_KEY = "klimanet_home"

_HOLE = re.compile(USER_START + r"(\d+)" + USER_END)
# Everything Markdown or HTML could read as markup in a member's text.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#|~>])")


def escape_user_text(text: str) -> str:
    """A member's text shown exactly as written in Teams Markdown and Adaptive Card text."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", text)


# How Teams is named where a text names the platform.
TEAMS_WORDS: dict[PlatformWord, str] = {
    PlatformWord.NAME: "Teams",
    PlatformWord.PROFILE: "Teams-profil",
    PlatformWord.ACCOUNT_ID: "Teams-id",
    PlatformWord.WORKSPACE: "Teams-organisation",
    PlatformWord.WORKSPACE_DEFINITE: "Teams-organisationen",
    PlatformWord.ADMINISTRATOR: "Teams-administrator",
    PlatformWord.SHARED_CHANNEL: "delt kanal",
}


class _TeamsStyle(PlainStyle):
    """The vocabulary as Teams Markdown. Member text (and names in mentions) stands aside as
    numbered holes while the bot's own text is translated, then comes back escaped."""

    def __init__(self) -> None:
        super().__init__(TEAMS_WORDS)
        self.written: list[str] = []

    def user(self, piece: str) -> str:
        self.written.append(escape_user_text(piece))
        return f"{USER_START}{len(self.written) - 1}{USER_END}"

    def bold(self, inner: str) -> str:
        return f"**{inner}**"

    def italic(self, inner: str) -> str:
        return f"_{inner}_"

    def mention(self, account: str, name: str) -> str:
        return "@" + self.user(name or account)

    def place(self, where: str, name: str) -> str:
        return self.user(name or where)

    def link(self, url: str, label: str) -> str:
        return f"[{self.user(label)}]({url})" if label and label != url else url


def teams_markdown(marked: str) -> str:
    """The bot's marked text as Teams Markdown, member text escaped, so a name with asterisks
    or an ``<at>`` tag changes nothing."""
    style = _TeamsStyle()
    text = render_marked(marked, style)
    # A facilitator's own text (news, agenda, meeting titles) is typed in Slack's light markup:
    # its *bold* becomes Teams' **bold**. The texts themselves mark bold with the vocabulary.
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"**\1**", text)
    # A facilitator's text (news, agenda) may carry Slack's <url|label> links and <@id> mentions.
    text = re.sub(r"<(https?://[^|>\s]+)\|([^>]+)>", r"[\2](\1)", text)
    text = re.sub(r"<(https?://[^|>\s]+)>", r"\1", text)
    text = re.sub(r"<@([^|>]+)(?:\|([^>]*))?>", lambda m: "@" + (m[2] or m[1]), text)
    return _HOLE.sub(lambda hole: style.written[int(hole.group(1))], text)


def teams_plain(marked: str) -> str:
    """Marked text where Teams shows plain text (a button's title): nothing is read as markup
    there, so member text is shown as written and needs no escaping."""
    return render_marked(marked, PlainStyle(TEAMS_WORDS))


def submit_action(button: Button) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": teams_plain(button.label),
        "data": {ACTION_KEY: button.action_id, VALUE_KEY: button.value},
    }
    if button.style is not None:
        action["style"] = "positive" if button.style == "primary" else "destructive"
    return action


def _text_block(marked: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": teams_markdown(marked), "wrap": True, **extra}


def card(reply: Reply) -> dict[str, Any]:
    """The reply as an Adaptive Card: each section a text block, a section's own buttons right
    below it, the rest at the bottom."""
    body: list[dict[str, Any]] = []
    for index, section in enumerate(reply.sections):
        body.append(_text_block(section, separator=index > 0))
        under = [submit_action(b) for b in reply.buttons if b.under == index]
        if under:
            body.append({"type": "ActionSet", "actions": under})
    if reply.context:
        body.append(_text_block(reply.context, isSubtle=True, size="Small"))
    for pick in reply.picks:
        # No person picker in a card that every client shows: the command says it instead.
        body.append(_text_block(texts.teams.teams_pick_hint(pick.command), isSubtle=True))
    placed = set(range(len(reply.sections)))
    rest = [submit_action(b) for b in reply.buttons if b.under not in placed]
    content: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
    }
    if rest:
        content["actions"] = rest
    return content


def has_card(reply: Reply) -> bool:
    return bool(reply.buttons or reply.picks)


def activity(reply: Reply, *, without_buttons: bool = False) -> dict[str, Any]:
    """The reply as one message activity: a card when it has buttons, else Markdown text.
    ``without_buttons``: a clicked card shown again without its buttons (so it cannot act
    twice)."""
    if has_card(reply) and not without_buttons:
        found = card_activity(card(reply))
    elif without_buttons:  # a card stays a card
        bare = Reply(reply.sections, context=reply.context)
        found = card_activity(card(bare))
    else:
        found = _text_activity(reply)
    return fit(found, reply)


def card_activity(content: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": content}],
    }


def size_of(found: dict[str, Any]) -> int:
    """Bytes as Teams counts them (UTF-16: two a character)."""
    return len(json.dumps(found, ensure_ascii=False)) * 2


def fit(found: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """Under 80 KB: sections are dropped from the end (as few as will do), and a last line says
    the message was cut short; the buttons stay (they act on what the reply is about)."""
    if size_of(found) <= MAX_ACTIVITY_BYTES:
        return found

    def shortened(kept: int) -> dict[str, Any]:
        shorter = Reply(
            (*reply.sections[:kept], texts.teams.TEAMS_CUT_SHORT),
            buttons=tuple(b for b in reply.buttons if b.under is None or b.under < kept),
            context=reply.context,
        )
        if has_card(reply):
            return card_activity(card(shorter))
        return _text_activity(shorter)

    low, high = 0, len(reply.sections) - 1  # the most sections that fit lies in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if size_of(shortened(middle)) <= MAX_ACTIVITY_BYTES:
            low = middle
        else:
            high = middle - 1
    found = shortened(low)
    if size_of(found) > MAX_ACTIVITY_BYTES:  # one section alone too long: its start only
        return _truncate_text(found)
    return found


def _text_activity(reply: Reply) -> dict[str, Any]:
    return {"type": "message", "textFormat": "markdown", "text": teams_markdown(reply.marked_text)}


def _truncate_text(found: dict[str, Any]) -> dict[str, Any]:
    budget = MAX_ACTIVITY_BYTES // 2 - 2_000  # characters, leaving room for the envelope
    if "text" in found:
        return {**found, "text": str(found["text"])[:budget] + "…"}
    content = found["attachments"][0]["content"]
    blocks = [b for b in content["body"] if b.get("type") == "TextBlock"]
    share = max(100, budget // max(1, len(blocks)))
    for block in blocks:
        block["text"] = str(block["text"])[:share]
    return found
