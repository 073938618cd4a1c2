"""The local console: Klimanet in a terminal, without Slack.

``console`` (the conversation), ``rendering`` (replies as terminal text), ``choices`` (buttons
as numbered choices), ``notifier`` (scheduled posts, printed), ``forms`` (the forms as
questions), ``people`` (users, names and mentions), ``files`` (where files are saved) and
``terminal`` (line editing and history); ``app`` assembles and runs it. Replies with buttons or files from any command work
here without changes: buttons become numbers, files land in ``klimanet-filer/``.
"""

from __future__ import annotations

from handlers.console.app import CONSOLE_CHANNEL
from handlers.console.choices import Choices
from handlers.console.console import Console
from handlers.console.files import FILES_FOLDER
from handlers.console.notifier import ConsoleNotifier
from handlers.console.people import CONSOLE_TEAM, ConsoleProfiles, ConsoleUser
from handlers.console.rendering import render, terminal_text

__all__ = [
    "CONSOLE_CHANNEL",
    "CONSOLE_TEAM",
    "FILES_FOLDER",
    "Choices",
    "Console",
    "ConsoleNotifier",
    "ConsoleProfiles",
    "ConsoleUser",
    "render",
    "terminal_text",
]
