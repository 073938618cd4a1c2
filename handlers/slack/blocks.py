"""Block Kit rendering of the service's neutral answers, built with ``slack_sdk.models``.

Every string of a reply reaches Slack through ``mrkdwn`` or ``plain_text`` here: text a member
typed or a profile supplied (marked by ``bot.texts`` with ``user_text``) is escaped in mrkdwn, so
it can form no link, mention or broadcast; the bot's own markup and a facilitator's text stay as
they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    ImageBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot import texts
from bot.domain.municipalities import MunicipalityDirectory
from bot.markup import Icon, PlainStyle, PlatformWord, render
from bot.models import MeetingFormat, SeatKind
from bot.replies import (
    Button,
    Home,
    HomeAction,
    HomeHeader,
    HomePicture,
    MeetingField,
    MeetingFormRequest,
    RegistrationField,
    RegistrationFormRequest,
    Reply,
    ThemesFormRequest,
    UserPick,
)

MAX_SECTION_TEXT = 3000
MAX_TEXT_OBJECT = 3000  # a context element, the text fallback we send
MAX_BUTTON_TEXT = 75
MAX_PLACEHOLDER = 150
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # a modal or the Home tab
MAX_HEADER = 150
MAX_ALT_TEXT = 2000
MAX_URL = 3000
CALLBACK_REGISTER = "register"
CALLBACK_MEETING = "meeting"
CALLBACK_THEMES = "themes"
# Every input block of our forms holds one element with this action id.
VALUE_ACTION = "value"
KIND_AUTO = "auto"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Slack's emoji code for each of the bot's icons.
EMOJI_CODES: dict[Icon, str] = {
    Icon.DONE: ":white_check_mark:",
    Icon.WARNING: ":warning:",
    Icon.CALENDAR: ":calendar:",
    Icon.REMINDER: ":bell:",
    Icon.STARTING: ":arrow_forward:",
    Icon.MOVED: ":arrows_counterclockwise:",
    Icon.CANCELLED: ":x:",
    Icon.NEWS: ":newspaper:",
    Icon.OFFER: ":handshake:",
    Icon.ASKING: ":raising_hand:",
    Icon.WAITING: ":hourglass_flowing_sand:",
    Icon.HELLO: ":wave:",
    Icon.CALL: ":telephone_receiver:",
}

# How Slack's users name Slack.
SLACK_WORDS: dict[PlatformWord, str] = {
    PlatformWord.NAME: "Slack",
    PlatformWord.PROFILE: "Slack-profil",
    PlatformWord.ACCOUNT_ID: "Slack-id",
    PlatformWord.WORKSPACE: "Slack-arbejdsområde",
    PlatformWord.WORKSPACE_DEFINITE: "Slack-arbejdsområdet",
    PlatformWord.ADMINISTRATOR: "Slack-administrator",
    PlatformWord.SHARED_CHANNEL: "delt Slack Connect-kanal",
}


class MrkdwnStyle:
    """The vocabulary as Slack mrkdwn: user text escaped, so it forms no link, mention or
    broadcast; the bot's own text as it is."""

    def text(self, piece: str) -> str:
        return piece

    def user(self, piece: str) -> str:
        return _escape(piece)

    def bold(self, inner: str) -> str:
        return f"*{inner}*"

    def italic(self, inner: str) -> str:
        return f"_{inner}_"

    def bullet(self) -> str:
        return "• "

    def icon(self, which: Icon) -> str:
        return EMOJI_CODES[which]

    def word(self, which: PlatformWord) -> str:
        return SLACK_WORDS[which]

    def mention(self, account: str, name: str) -> str:
        return f"<@{_escape(account)}>"

    def place(self, where: str, name: str) -> str:
        return f"<#{_escape(where)}>"

    def link(self, url: str, label: str) -> str:
        target = _escape(url).replace("|", "%7C")
        return f"<{target}|{_escape(label)}>" if label else f"<{target}>"


class _SlackPlain(PlainStyle):
    """Slack's plain_text fields: no markup, but emoji codes still show as emoji."""

    def __init__(self) -> None:
        super().__init__(SLACK_WORDS)

    def icon(self, which: Icon) -> str:
        return EMOJI_CODES[which]


_MRKDWN = MrkdwnStyle()
_PLAIN = _SlackPlain()


def mrkdwn(marked: str) -> str:
    """A marked string as Slack mrkdwn: user text escaped (``&``, ``<``, ``>``, as Slack's
    "Formatting text for app surfaces" asks), the bot's own marks as mrkdwn."""
    return render(marked, _MRKDWN)


def plain_text(marked: str) -> str:
    """A marked string for a plain_text field: shown as written, nothing to escape."""
    return render(marked, _PLAIN)


_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


def _cut(text: str, limit: int) -> str:
    """Rendered mrkdwn cut to ``limit`` characters with an ellipsis, never inside an entity."""
    if len(text) <= limit:
        return text
    return _PARTIAL_ENTITY.sub("", text[: limit - 1]) + "…"


def _chunks(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Split at line breaks so no section passes Slack's 3000-character limit."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single over-long line: hard split
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def _text_blocks(marked: str) -> list[Block]:
    # Sections are rendered before they are split, so a split never falls inside a user span
    # and the limit counts the escaped text Slack receives.
    return [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in _chunks(mrkdwn(marked))]


def _pick_block(pick: UserPick) -> Block:
    return SectionBlock(
        block_id=pick.block_id,
        text=MarkdownTextObject(text=_cut(mrkdwn(pick.label), MAX_SECTION_TEXT)),
        accessory=UserSelectElement(
            action_id=pick.action_id,
            placeholder=plain_text(pick.placeholder)[:MAX_PLACEHOLDER],
        ),
    )


# Slack wants each action id once per block; a repeat (three "Mente du …?" choices) gets a
# numbered suffix, which ``actions.py`` removes again.
ACTION_SUFFIX = "#"


# The actions block of one thing in a list of several (``afventer``): an answer to it must not
# replace the whole message, or the other things' buttons would go with it.
ITEM_BLOCK_PREFIX = "item-"


def answers_an_item(block_id: object) -> bool:
    """Whether a click came from one thing in a list of several (see ``ITEM_BLOCK_PREFIX``)."""
    return isinstance(block_id, str) and block_id.startswith(ITEM_BLOCK_PREFIX)


def _buttons_block(buttons: Sequence[Button], block_id: str | None = None) -> Block:
    seen: dict[str, int] = {}
    elements = []
    for b in buttons:
        seen[b.action_id] = seen.get(b.action_id, 0) + 1
        repeat = seen[b.action_id]
        elements.append(
            ButtonElement(
                text=plain_text(b.label)[:MAX_BUTTON_TEXT],
                action_id=b.action_id if repeat == 1 else f"{b.action_id}{ACTION_SUFFIX}{repeat}",
                value=b.value,
                style=b.style,
            )
        )
    return ActionsBlock(elements=elements, block_id=block_id)


def _context_block(marked: str) -> Block:
    return ContextBlock(elements=[MarkdownTextObject(text=_cut(mrkdwn(marked), MAX_TEXT_OBJECT))])


def _limited(blocks: list[Block], limit: int) -> list[Block]:
    """Keep the head and say that the rest was cut rather than have Slack refuse it all."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], ContextBlock(elements=[MarkdownTextObject(text="…")])]


def reply_blocks(reply: Reply) -> list[Block]:
    # Buttons that belong under a section (``afventer`` lists several requests) follow it; the
    # rest close the message.
    blocks: list[Block] = []
    placed: set[int] = set()
    for index, section in enumerate(reply.sections):
        blocks.extend(_text_blocks(section))
        under = [b for b in reply.buttons if b.under == index]
        if under:
            blocks.append(_buttons_block(under, f"{ITEM_BLOCK_PREFIX}{index}"))
            placed.add(index)
    blocks.extend(_pick_block(pick) for pick in reply.picks)
    rest = [b for b in reply.buttons if b.under not in placed]
    if rest:
        blocks.append(_buttons_block(rest))
    if reply.context:
        blocks.append(_context_block(reply.context))
    return _limited(blocks, MAX_MESSAGE_BLOCKS)


@dataclass(frozen=True, slots=True)
class ShownPicture:
    """A picture uploaded to Slack for a Home: its file, and what the image shows. ``refused``:
    Slack would not show it as an image block, so the Home links to it instead."""

    key: str
    file_id: str
    title: str
    permalink: str | None = None
    refused: bool = False


def _picture_blocks(picture: HomePicture, shown: ShownPicture | None) -> list[Block]:
    if shown is None:
        return [_context_block(texts.overview.home_picture_pending())]
    if not shown.refused:
        return [
            ImageBlock(
                slack_file={"id": shown.file_id},
                alt_text=plain_text(picture.alt_text)[:MAX_ALT_TEXT],
                title=plain_text(shown.title)[:MAX_ALT_TEXT],
            )
        ]
    if shown.permalink is None:
        return [_context_block(texts.overview.home_picture_link())]
    return [
        SectionBlock(
            text=MarkdownTextObject(text=mrkdwn(shown.title)),
            accessory=ButtonElement(
                text=texts.overview.OPEN_PICTURE_BUTTON,
                action_id=HomeAction.OPEN_PICTURE,
                url=shown.permalink[:MAX_URL],
            ),
        )
    ]


def home_view(home: Home, picture: ShownPicture | None = None) -> View:
    """The App Home as a ``home`` view, within Slack's 100 blocks."""
    blocks: list[Block] = []
    for part in home.parts:
        if isinstance(part, HomeHeader):
            blocks.append(HeaderBlock(text=plain_text(part.text)[:MAX_HEADER]))
        elif isinstance(part, HomePicture):
            blocks.extend(_picture_blocks(part, picture))
        else:
            blocks.extend(_text_blocks(part.text))
            blocks.extend(_pick_block(pick) for pick in part.picks)
            if part.buttons:
                blocks.append(_buttons_block(part.buttons))
            if part.context:
                blocks.append(_context_block(part.context))
    return View(type="home", blocks=_limited(blocks, MAX_VIEW_BLOCKS))


def fallback_text(reply: Reply) -> str:
    """The message's top-level ``text`` (notifications, screen readers): mrkdwn as well."""
    return _cut(mrkdwn(reply.marked_text), MAX_TEXT_OBJECT)


def reply_message(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for Bolt's ``respond()`` (a response_url message)."""
    message: dict[str, Any] = {
        "text": fallback_text(reply),
        "blocks": [b.to_dict() for b in reply_blocks(reply)],
        "response_type": "in_channel" if reply.public else "ephemeral",
    }
    if reply.replace_original:
        message["replace_original"] = True
    return message


def _option(text: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=plain_text(text)[:75]), value=value)


def _text_input(
    block_id: str,
    label: str,
    placeholder: str,
    max_length: int,
    value: str,
    *,
    optional: bool | None = None,
) -> InputBlock:
    """A one-line text field of our forms, holding ``value`` when there is one."""
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=PlainTextInputElement(
            action_id=VALUE_ACTION,
            placeholder=placeholder,
            max_length=max_length,
            initial_value=plain_text(value) or None,
        ),
    )


def _themes_input(
    block_id: str, label: str, hint: str | None, themes: tuple[str, ...], chosen: tuple[str, ...]
) -> list[Block]:
    """A multi-select of the network's themes, exactly the list, with those already chosen
    (matched as people write them: 'klimaplaner' is 'Klimaplaner'). Nothing without a list."""
    if not themes:
        return []  # Slack refuses a select without options
    options = [_option(theme, theme[:150]) for theme in themes]
    wanted = {theme.casefold() for theme in chosen}
    initial = [o for o in options if o.value is not None and o.value.casefold() in wanted]
    return [
        InputBlock(
            block_id=block_id,
            label=label,
            hint=hint,
            optional=True,
            element=StaticMultiSelectElement(
                action_id=VALUE_ACTION,
                placeholder=label,
                options=options,
                initial_options=initial or None,
            ),
        )
    ]


def _kind_options() -> list[Option]:
    return [
        _option(texts.registration.FORM_KIND_AUTO, KIND_AUTO),
        _option(texts.registration.FORM_KIND_FIXED, SeatKind.FIXED.value),
        _option(texts.registration.FORM_KIND_FLEXIBLE, SeatKind.FLEXIBLE.value),
    ]


def registration_modal(
    directory: MunicipalityDirectory, request: RegistrationFormRequest, metadata: dict[str, str]
) -> View:
    groups = [
        OptionGroup(
            label=region,
            options=[_option(m.name, str(m.code)) for m in members],
        )
        for region, members in directory.by_region()
    ]
    prefill = directory.get(request.prefill_municipality) if request.prefill_municipality else None
    kinds = _kind_options()
    initial_kind = next(
        (o for o in kinds if request.prefill_kind and o.value == request.prefill_kind.value),
        kinds[0],
    )
    return View(
        type="modal",
        callback_id=CALLBACK_REGISTER,
        title=texts.registration.FORM_TITLE,
        submit=texts.registration.FORM_SUBMIT,
        close=texts.registration.FORM_CLOSE,
        private_metadata=json.dumps(metadata)[:3000],
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=texts.registration.FORM_INTRO)),
            InputBlock(
                block_id=RegistrationField.MUNICIPALITY,
                label=texts.registration.FORM_MUNICIPALITY,
                element=StaticSelectElement(
                    action_id=VALUE_ACTION,
                    placeholder=texts.registration.FORM_MUNICIPALITY_PLACEHOLDER,
                    option_groups=groups,
                    initial_option=_option(prefill.name, str(prefill.code)) if prefill else None,
                ),
            ),
            InputBlock(
                block_id=RegistrationField.KIND,
                label=texts.registration.FORM_KIND,
                element=RadioButtonsElement(
                    action_id=VALUE_ACTION, options=kinds, initial_option=initial_kind
                ),
            ),
            _text_input(
                RegistrationField.TITLE,
                texts.registration.FORM_TITLE_FIELD,
                texts.registration.FORM_TITLE_PLACEHOLDER,
                150,
                request.title,
                optional=True,
            ),
            *_themes_input(
                RegistrationField.THEMES,
                texts.registration.FORM_THEMES,
                texts.registration.FORM_THEMES_HINT,
                request.theme_options,
                request.themes,
            ),
        ],
    )


def themes_modal(request: ThemesFormRequest) -> View:
    """One's fagområder: the network's list, one's own checked; none checked clears them."""
    return View(
        type="modal",
        callback_id=CALLBACK_THEMES,
        title=texts.themes.THEMES_FORM_TITLE,
        submit=texts.themes.THEMES_FORM_SUBMIT,
        close=texts.registration.FORM_CLOSE,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=texts.themes.THEMES_FORM_INTRO)),
            *_themes_input(
                RegistrationField.THEMES,
                texts.themes.THEMES_FORM_FIELD,
                None,
                request.theme_options,
                request.themes,
            ),
        ],
    )


def result_modal(title: str, reply: Reply) -> View:
    """What the modal turns into after a successful submission (``response_action: update``)."""
    return View(
        type="modal",
        title=title,
        close=texts.registration.FORM_DONE,
        blocks=_limited(reply_blocks(reply), MAX_VIEW_BLOCKS),
    )


def saving_modal(title: str, text: str) -> View:
    """The modal while a submitted form is saved after the ack (then updated with the result)."""
    return View(
        type="modal",
        title=title,
        close=texts.registration.FORM_DONE,
        blocks=[SectionBlock(text=PlainTextObject(text=text))],
    )


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """The submitted values by field id: a select's value, a text, or a list of values."""
    values: dict[str, Any] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        state = actions.get(VALUE_ACTION) or {}
        kind = state.get("type")
        if kind == "datepicker":
            values[block_id] = state.get("selected_date")
        elif kind == "timepicker":
            values[block_id] = state.get("selected_time")
        elif kind in ("static_select", "radio_buttons"):
            option = state.get("selected_option") or {}
            values[block_id] = option.get("value")
        elif kind == "multi_static_select":
            values[block_id] = [o.get("value") for o in state.get("selected_options") or []]
        else:
            values[block_id] = state.get("value")
    return values


def meeting_modal(request: MeetingFormRequest) -> View:
    formats = [
        _option(texts.meetings.FORMAT_LABELS[fmt.value].capitalize(), fmt.value)
        for fmt in MeetingFormat
    ]
    editing = request.number is not None
    return View(
        type="modal",
        callback_id=CALLBACK_MEETING,
        title=texts.meetings.MEETING_FORM_EDIT_TITLE
        if editing
        else texts.meetings.MEETING_FORM_TITLE,
        submit=texts.meetings.MEETING_FORM_SUBMIT,
        close=texts.registration.FORM_CLOSE,
        private_metadata=json.dumps({"number": request.number, "go_ahead": request.go_ahead}),
        blocks=[
            *(
                [SectionBlock(text=MarkdownTextObject(text=_cut(mrkdwn(request.warning), 3000)))]
                if request.warning
                else []
            ),
            _text_input(
                MeetingField.TITLE,
                texts.meetings.MEETING_FORM_TITLE_FIELD,
                texts.meetings.MEETING_FORM_TITLE_PLACEHOLDER,
                200,
                request.title,
            ),
            *_themes_input(
                MeetingField.THEMES,
                texts.meetings.MEETING_FORM_THEMES,
                None,
                request.theme_options,
                request.themes,
            ),
            InputBlock(
                block_id=MeetingField.DATE,
                label=texts.meetings.MEETING_FORM_DATE,
                element=DatePickerElement(
                    action_id=VALUE_ACTION,
                    initial_date=request.date.isoformat() if request.date else None,
                ),
            ),
            InputBlock(
                block_id=MeetingField.TIME,
                label=texts.meetings.MEETING_FORM_START,
                element=TimePickerElement(
                    action_id=VALUE_ACTION, initial_time=request.start or "10:00"
                ),
            ),
            InputBlock(
                block_id=MeetingField.END,
                label=texts.meetings.MEETING_FORM_END,
                element=TimePickerElement(
                    action_id=VALUE_ACTION, initial_time=request.end or "12:00"
                ),
            ),
            InputBlock(
                block_id=MeetingField.FORMAT,
                label=texts.meetings.MEETING_FORM_FORMAT,
                element=RadioButtonsElement(
                    action_id=VALUE_ACTION,
                    options=formats,
                    initial_option=next(
                        (o for o in formats if o.value == request.format), formats[0]
                    ),
                ),
            ),
            _text_input(
                MeetingField.LINK,
                texts.meetings.MEETING_FORM_LINK,
                texts.meetings.MEETING_FORM_LINK_PLACEHOLDER,
                500,
                request.link,
                optional=True,
            ),
            _text_input(
                MeetingField.LOCATION,
                texts.meetings.MEETING_FORM_LOCATION,
                texts.meetings.MEETING_FORM_LOCATION_PLACEHOLDER,
                500,
                request.location,
                optional=True,
            ),
        ],
    )
