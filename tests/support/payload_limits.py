"""Assert that a message or view the bot emits obeys Slack's rules.

Slack answers ``invalid_blocks`` (or silently truncates) for payloads that break its limits, and it
does so only in production. These checks run every payload through the real ``slack_sdk.models``
validators and add what the models skip: they do not count message blocks, do not look inside the
option dicts of a parsed select, do not check each section field, and do not require the ``text``
fallback that screen readers and notifications use.

``*_problems`` return a list of human-readable problems (empty when valid) so the fake Slack can
put them in an error reply; ``validate_*`` raise ``AssertionError`` listing all of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block, BlockElement, Option, OptionGroup
from slack_sdk.models.views import View

# Limits from Slack's Block Kit and API reference (see DESIGN.md, "Slack platform facts").
MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_TEXT_MAX = 40_000  # chat.postMessage truncates longer text
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
SECTION_FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
INPUT_LABEL_MAX = 2000
INPUT_HINT_MAX = 2000
VIEW_TEXT_MAX = 24  # modal title, submit and close
PRIVATE_METADATA_MAX = 3000
CALLBACK_ID_MAX = 255
EXTERNAL_ID_MAX = 255
VIEW_JSON_MAX_BYTES = 250_000  # "250 kB"; counted in decimal kB to stay on the safe side
STATIC_SELECT_OPTIONS_MAX = 100  # in total, over options or all option_groups
OVERFLOW_OPTIONS_MAX = 5
RADIO_CHECKBOX_OPTIONS_MAX = 10
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTION_DESCRIPTION_MAX = 75
OPTION_GROUP_LABEL_MAX = 75
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
URL_MAX = 3000
PLACEHOLDER_MAX = 150
PLAIN_TEXT_INPUT_MAX_LENGTH = 3000
ID_MAX = 255  # block_id and action_id

_STATIC_SELECTS = frozenset({"static_select", "multi_static_select"})
_MULTI_SELECTS_WITH_INITIAL_OPTIONS = frozenset({"multi_static_select", "checkboxes"})
# Exceptions the slack_sdk models raise on malformed dicts: a validator failure, a missing
# required constructor argument (TypeError), or a wrong shape (KeyError/AttributeError).
_MODEL_ERRORS = (SlackObjectFormationError, TypeError, KeyError, AttributeError, ValueError)


class _Checker:
    """Collects problems with a JSON path each, so one run reports everything that is wrong."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    # -- generic pieces -------------------------------------------------------------------------

    def text_object(
        self, obj: Any, path: str, *, max_len: int, plain_only: bool = False, required: bool = True
    ) -> None:
        if obj is None:
            if required:
                self.fail(path, "is required")
            return
        if not isinstance(obj, Mapping):
            self.fail(path, f"must be a text object {{type, text}}, got {type(obj).__name__}")
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn"):
            self.fail(path, f"type must be plain_text or mrkdwn, got {kind!r}")
        elif plain_only and kind != "plain_text":
            self.fail(path, "must be plain_text here (mrkdwn is not allowed)")
        self.string(obj.get("text"), f"{path}.text", max_len=max_len, required=True)

    def string(self, value: Any, path: str, *, max_len: int, required: bool = False) -> None:
        if value is None:
            if required:
                self.fail(path, "is required")
            return
        if not isinstance(value, str):
            self.fail(path, f"must be a string, got {type(value).__name__}")
        elif required and not value:
            # Slack rejects empty text ("must be more than 0 characters").
            self.fail(path, "must not be empty")
        elif len(value) > max_len:
            self.fail(path, f"is {len(value)} characters, max {max_len}")

    def block_list(self, raw: Any, path: str, *, max_blocks: int) -> None:
        blocks = self.decode_list(raw, path)
        if blocks is None:
            return
        if len(blocks) > max_blocks:
            self.fail(path, f"has {len(blocks)} blocks, max {max_blocks}")
        seen_block_ids: set[str] = set()
        for index, block in enumerate(blocks):
            self.block(block, f"{path}[{index}]", seen_block_ids)

    def decode_list(self, raw: Any, path: str) -> list[Any] | None:
        # Form-encoded API calls carry blocks/attachments as a JSON string.
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as error:
                self.fail(path, f"is a string but not valid JSON ({error})")
                return None
        if not isinstance(raw, list):
            self.fail(path, f"must be a list, got {type(raw).__name__}")
            return None
        return raw

    # -- blocks -------------------------------------------------------------------------------------

    def block(self, block: Any, path: str, seen_block_ids: set[str]) -> None:
        if not isinstance(block, Mapping):
            self.fail(path, f"a block must be an object, got {type(block).__name__}")
            return
        kind = block.get("type")
        path = f"{path}({kind})"
        before = len(self.problems)

        block_id = block.get("block_id")
        if block_id is not None:
            self.string(block_id, f"{path}.block_id", max_len=ID_MAX, required=True)
            if isinstance(block_id, str):
                if block_id in seen_block_ids:
                    self.fail(f"{path}.block_id", f"duplicate block_id {block_id!r}")
                seen_block_ids.add(block_id)

        if kind == "section":
            self.section(block, path)
        elif kind == "actions":
            self.element_list(
                block.get("elements"), f"{path}.elements", max_len=ACTIONS_ELEMENTS_MAX
            )
        elif kind == "context":
            self.element_list(
                block.get("elements"), f"{path}.elements", max_len=CONTEXT_ELEMENTS_MAX
            )
        elif kind == "header":
            self.text_object(
                block.get("text"), f"{path}.text", max_len=HEADER_TEXT_MAX, plain_only=True
            )
        elif kind == "input":
            self.text_object(
                block.get("label"), f"{path}.label", max_len=INPUT_LABEL_MAX, plain_only=True
            )
            self.text_object(
                block.get("hint"),
                f"{path}.hint",
                max_len=INPUT_HINT_MAX,
                plain_only=True,
                required=False,
            )
            if block.get("element") is None:
                self.fail(f"{path}.element", "is required")
            else:
                self.element(block["element"], f"{path}.element")

        # The model validators overlap with the checks above; run them only when ours passed so a
        # problem is reported once, with our clearer message.
        if len(self.problems) == before:
            self.block_model(block, path)

    def section(self, block: Mapping[str, Any], path: str) -> None:
        text, fields = block.get("text"), block.get("fields")
        if text is None and not fields:
            self.fail(path, "a section needs text or fields")
        self.text_object(text, f"{path}.text", max_len=SECTION_TEXT_MAX, required=False)
        if fields is not None:
            if not isinstance(fields, list):
                self.fail(f"{path}.fields", "must be a list")
            else:
                if len(fields) > SECTION_FIELDS_MAX:
                    self.fail(
                        f"{path}.fields", f"has {len(fields)} fields, max {SECTION_FIELDS_MAX}"
                    )
                for index, field in enumerate(fields):
                    self.text_object(
                        field, f"{path}.fields[{index}]", max_len=SECTION_FIELD_TEXT_MAX
                    )
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{path}.accessory")

    def block_model(self, block: Mapping[str, Any], path: str) -> None:
        try:
            parsed = Block.parse(dict(block))
        except _MODEL_ERRORS as error:
            self.fail(path, f"slack_sdk cannot parse the block: {error}")
            return
        if parsed is None:
            self.fail(path, f"unknown block type {block.get('type')!r}")
            return
        self.unknown_keys(block, parsed, path)
        try:
            parsed.to_dict()
        except _MODEL_ERRORS as error:
            self.fail(path, f"slack_sdk validation: {error}")

    def unknown_keys(self, raw: Mapping[str, Any], parsed: JsonObject, path: str) -> None:
        # Slack rejects properties it does not know; the models silently drop them, which hides
        # typos such as "acessory" until the payload reaches the real API.
        unknown = sorted(set(raw) - set(parsed.attributes))
        if unknown:
            self.fail(path, f"unknown properties {unknown}")

    # -- elements -----------------------------------------------------------------------------------

    def element_list(self, raw: Any, path: str, *, max_len: int) -> None:
        if not isinstance(raw, list) or not raw:
            self.fail(path, "must be a non-empty list")
            return
        if len(raw) > max_len:
            self.fail(path, f"has {len(raw)} elements, max {max_len}")
        action_ids: set[str] = set()
        for index, element in enumerate(raw):
            self.element(element, f"{path}[{index}]")
            action_id = element.get("action_id") if isinstance(element, Mapping) else None
            if isinstance(action_id, str):
                # Slack needs action_id unique within its block to route the interaction.
                if action_id in action_ids:
                    self.fail(f"{path}[{index}].action_id", f"duplicate action_id {action_id!r}")
                action_ids.add(action_id)

    def element(self, element: Any, path: str) -> None:
        if not isinstance(element, Mapping):
            self.fail(path, f"an element must be an object, got {type(element).__name__}")
            return
        kind = element.get("type")
        path = f"{path}({kind})"
        before = len(self.problems)
        if kind in ("plain_text", "mrkdwn"):
            # Context blocks hold text objects; 3000 is Slack's generic text object limit.
            self.text_object(element, path, max_len=SECTION_TEXT_MAX)
            return
        self.string(element.get("action_id"), f"{path}.action_id", max_len=ID_MAX)
        self.text_object(
            element.get("placeholder"),
            f"{path}.placeholder",
            max_len=PLACEHOLDER_MAX,
            plain_only=True,
            required=False,
        )
        if kind == "button":
            self.text_object(
                element.get("text"), f"{path}.text", max_len=BUTTON_TEXT_MAX, plain_only=True
            )
            self.string(element.get("value"), f"{path}.value", max_len=BUTTON_VALUE_MAX)
            self.string(element.get("url"), f"{path}.url", max_len=URL_MAX)
            style = element.get("style")
            if style is not None and style not in ("primary", "danger"):
                self.fail(f"{path}.style", f"must be primary or danger, got {style!r}")
        elif kind in _STATIC_SELECTS:
            self.static_select(element, path)
        elif kind == "overflow":
            self.option_list(
                element.get("options"),
                f"{path}.options",
                max_len=OVERFLOW_OPTIONS_MAX,
                plain_only=True,
            )
        elif kind in ("radio_buttons", "checkboxes"):
            options = element.get("options")
            self.option_list(
                options, f"{path}.options", max_len=RADIO_CHECKBOX_OPTIONS_MAX, plain_only=False
            )
            self.initial_options(element, options if isinstance(options, list) else [], path)
        elif kind == "plain_text_input":
            max_length = element.get("max_length")
            if isinstance(max_length, int) and max_length > PLAIN_TEXT_INPUT_MAX_LENGTH:
                self.fail(f"{path}.max_length", f"max {PLAIN_TEXT_INPUT_MAX_LENGTH}")
        if len(self.problems) == before:
            self.element_model(element, path)

    def static_select(self, element: Mapping[str, Any], path: str) -> None:
        options, groups = element.get("options"), element.get("option_groups")
        if options is not None and groups is not None:
            self.fail(path, "give options or option_groups, not both")
            return
        if options is None and groups is None:
            self.fail(path, "needs options or option_groups")
            return
        all_options: list[Any] = []
        values: set[str] = set()  # unique across all groups: the submission carries only value
        if options is not None:
            self.option_list(
                options, f"{path}.options", max_len=None, plain_only=True, values=values
            )
            if isinstance(options, list):
                all_options = list(options)
        else:
            if not isinstance(groups, list) or not groups:
                self.fail(f"{path}.option_groups", "must be a non-empty list")
                return
            for index, group in enumerate(groups):
                group_path = f"{path}.option_groups[{index}]"
                if not isinstance(group, Mapping):
                    self.fail(group_path, "an option group must be an object")
                    continue
                self.text_object(
                    group.get("label"),
                    f"{group_path}.label",
                    max_len=OPTION_GROUP_LABEL_MAX,
                    plain_only=True,
                )
                group_options = group.get("options")
                self.option_list(
                    group_options,
                    f"{group_path}.options",
                    max_len=None,
                    plain_only=True,
                    values=values,
                )
                if isinstance(group_options, list):
                    all_options.extend(group_options)
        if len(all_options) > STATIC_SELECT_OPTIONS_MAX:
            self.fail(
                path,
                f"has {len(all_options)} options in total, max {STATIC_SELECT_OPTIONS_MAX}",
            )
        self.initial_options(element, all_options, path)

    def option_list(
        self,
        options: Any,
        path: str,
        *,
        max_len: int | None,
        plain_only: bool,
        values: set[str] | None = None,
    ) -> None:
        if not isinstance(options, list) or not options:
            self.fail(path, "must be a non-empty list")
            return
        if max_len is not None and len(options) > max_len:
            self.fail(path, f"has {len(options)} options, max {max_len}")
        values = set() if values is None else values
        for index, option in enumerate(options):
            option_path = f"{path}[{index}]"
            if not isinstance(option, Mapping):
                self.fail(option_path, "an option must be an object")
                continue
            self.text_object(
                option.get("text"),
                f"{option_path}.text",
                max_len=OPTION_TEXT_MAX,
                plain_only=plain_only,
            )
            value = option.get("value")
            self.string(value, f"{option_path}.value", max_len=OPTION_VALUE_MAX, required=True)
            if isinstance(value, str):
                # Duplicate values make the selection ambiguous when the submission comes back.
                if value in values:
                    self.fail(f"{option_path}.value", f"duplicate option value {value!r}")
                values.add(value)
            self.text_object(
                option.get("description"),
                f"{option_path}.description",
                max_len=OPTION_DESCRIPTION_MAX,
                required=False,
            )
            self.string(option.get("url"), f"{option_path}.url", max_len=URL_MAX)

    def initial_options(
        self, element: Mapping[str, Any], options: Sequence[Any], path: str
    ) -> None:
        # Slack refuses an initial option that is not exactly one of the offered options.
        offered = [_option_key(option) for option in options if isinstance(option, Mapping)]
        initial: list[Any] = []
        if element.get("initial_option") is not None:
            initial.append(element["initial_option"])
        if element.get("initial_options") is not None:
            if not isinstance(element["initial_options"], list):
                self.fail(f"{path}.initial_options", "must be a list")
            else:
                initial.extend(element["initial_options"])
        for option in initial:
            if not isinstance(option, Mapping) or _option_key(option) not in offered:
                self.fail(path, f"initial option {option!r} is not one of the options")

    def element_model(self, element: Mapping[str, Any], path: str) -> None:
        try:
            parsed = BlockElement.parse(dict(element))
        except _MODEL_ERRORS as error:
            self.fail(path, f"slack_sdk cannot parse the element: {error}")
            return
        if parsed is None:
            self.fail(path, f"unknown element type {element.get('type')!r}")
            return
        self.unknown_keys(element, parsed, path)
        try:
            parsed.to_dict()
            # Parsed selects keep their options as plain dicts, so the option validators never run
            # unless the dicts are parsed here.
            if isinstance(element.get("options"), list):
                for option in Option.parse_all(element["options"]) or []:
                    option.to_dict()
            if isinstance(element.get("option_groups"), list):
                for group in OptionGroup.parse_all(element["option_groups"]) or []:
                    group.to_dict()
        except _MODEL_ERRORS as error:
            self.fail(path, f"slack_sdk validation: {error}")


def _option_key(option: Mapping[str, Any]) -> tuple[Any, Any]:
    text = option.get("text")
    return option.get("value"), text.get("text") if isinstance(text, Mapping) else text


# -- public API -------------------------------------------------------------------------------------


def message_problems(payload: Mapping[str, Any]) -> list[str]:
    """Problems with a chat.postMessage / postEphemeral / update or response_url payload."""
    checker = _Checker()
    if not isinstance(payload, Mapping):
        return [f"message: must be an object, got {type(payload).__name__}"]
    has_blocks = has_attachments = False
    if payload.get("blocks") is not None:
        blocks = checker.decode_list(payload["blocks"], "blocks")
        has_blocks = bool(blocks)
        if blocks is not None:
            checker.block_list(blocks, "blocks", max_blocks=MESSAGE_MAX_BLOCKS)
    if payload.get("attachments") is not None:
        attachments = checker.decode_list(payload["attachments"], "attachments")
        has_attachments = bool(attachments)
        for index, attachment in enumerate(attachments or []):
            if isinstance(attachment, Mapping) and attachment.get("blocks") is not None:
                checker.block_list(
                    attachment["blocks"],
                    f"attachments[{index}].blocks",
                    max_blocks=MESSAGE_MAX_BLOCKS,
                )

    text = payload.get("text")
    has_text = isinstance(text, str) and bool(text.strip())
    if text is not None and not isinstance(text, str):
        checker.fail("text", f"must be a string, got {type(text).__name__}")
    elif isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        checker.fail("text", f"is {len(text)} characters, max {MESSAGE_TEXT_MAX}")
    if has_blocks and not has_text:
        # Notifications, screen readers and old clients show only the text fallback.
        checker.fail("text", "a message with blocks must also have a non-empty text fallback")
    if not (has_blocks or has_attachments or has_text) and not payload.get("delete_original"):
        checker.fail("message", "has no text, blocks or attachments (Slack answers no_text)")
    return checker.problems


def _modal_chrome(checker: _Checker, view: Mapping[str, Any], blocks: list[Any]) -> None:
    """A modal's title, submit and close, and a submit button wherever there is input."""
    checker.text_object(view.get("title"), "view.title", max_len=VIEW_TEXT_MAX, plain_only=True)
    for key in ("submit", "close"):
        checker.text_object(
            view.get(key),
            f"view.{key}",
            max_len=VIEW_TEXT_MAX,
            plain_only=True,
            required=False,
        )
    has_input = any(isinstance(block, Mapping) and block.get("type") == "input" for block in blocks)
    if has_input and view.get("submit") is None:
        checker.fail("view.submit", "a modal with input blocks needs a submit button")


def view_problems(view: Mapping[str, Any]) -> list[str]:
    """Problems with a modal or Home tab view (views.open/push/update/publish)."""
    checker = _Checker()
    if not isinstance(view, Mapping):
        return [f"view: must be an object, got {type(view).__name__}"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.fail("view.type", f"must be modal or home, got {kind!r}")

    blocks = checker.decode_list(view.get("blocks"), "view.blocks")
    if blocks is not None:
        if not blocks:
            checker.fail("view.blocks", "must contain at least one block")
        checker.block_list(blocks, "view.blocks", max_blocks=VIEW_MAX_BLOCKS)

    if kind == "modal":
        _modal_chrome(checker, view, blocks or [])
    elif kind == "home":
        for key in ("submit", "close"):
            if view.get(key) is not None:
                checker.fail(f"view.{key}", "a Home tab cannot have submit or close")

    checker.string(
        view.get("private_metadata"), "view.private_metadata", max_len=PRIVATE_METADATA_MAX
    )
    checker.string(view.get("callback_id"), "view.callback_id", max_len=CALLBACK_ID_MAX)
    checker.string(view.get("external_id"), "view.external_id", max_len=EXTERNAL_ID_MAX)

    try:
        size = len(json.dumps(view, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except (TypeError, ValueError) as error:
        checker.fail("view", f"is not JSON serialisable: {error}")
    else:
        if size > VIEW_JSON_MAX_BYTES:
            checker.fail("view", f"is {size} bytes as JSON, max {VIEW_JSON_MAX_BYTES}")

    if not checker.problems:
        try:
            model = View(**dict(view))
            checker.unknown_keys(view, model, "view")
            model.to_dict()
        except _MODEL_ERRORS as error:
            checker.fail("view", f"slack_sdk validation: {error}")
    return checker.problems


def validate_message(payload: Mapping[str, Any]) -> None:
    """Raise AssertionError listing every rule the message payload breaks."""
    problems = message_problems(payload)
    if problems:
        raise AssertionError(_format("invalid Slack message", problems))


def validate_view(view: Mapping[str, Any]) -> None:
    """Raise AssertionError listing every rule the view (modal or Home tab) breaks."""
    problems = view_problems(view)
    if problems:
        raise AssertionError(_format("invalid Slack view", problems))


def _format(title: str, problems: list[str]) -> str:
    return title + ":\n  - " + "\n  - ".join(problems)
