"""The terminal: questions and answers, with line editing and history (readline) when a person
types at it; posts that arrive meanwhile are printed above the line being typed."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import TextIO

HISTORY_LENGTH = 1000


def _history_file() -> Path:
    """Outside the repository: the XDG state folder (``~/.local/state/klimanet/history``)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "klimanet" / "history"


def _readline() -> ModuleType | None:
    try:
        import readline
    except ImportError:  # not every Python has it (Windows): plain input still works
        return None
    return readline


class Terminal:
    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self._in = stdin
        self._out = stdout
        self._lock = threading.Lock()
        interactive = stdin is sys.stdin and stdout is sys.stdout and stdin.isatty()
        self._readline = _readline() if interactive else None
        self._prompt: str | None = None  # what input() is waiting at
        if self._readline is not None:
            self._readline.set_history_length(HISTORY_LENGTH)
            with contextlib.suppress(OSError):  # no history yet
                self._readline.read_history_file(_history_file())

    @property
    def interactive(self) -> bool:
        return self._readline is not None

    def say(self, text: str) -> None:
        with self._lock:
            if self._readline is not None and self._prompt is not None:
                # A post while someone types: print it above, then the line as it was.
                buffer = self._readline.get_line_buffer()
                self._out.write(f"\r\033[K{text}\n{self._prompt}{buffer}")
            else:
                self._out.write(text + "\n")
            self._out.flush()

    def ask(self, question: str) -> str | None:
        """The answer, stripped; None when the input ended (Ctrl-D, end of a pipe)."""
        if self._readline is not None:
            with self._lock:
                self._prompt = question
            try:
                return input(question).strip()
            except EOFError:
                self._out.write("\n")
                return None
            finally:
                with self._lock:
                    self._prompt = None
        with self._lock:
            self._out.write(question)
            self._out.flush()
        line = self._in.readline()
        if not line:
            return None
        if not self._in.isatty():  # echo piped input so a transcript reads like a chat
            with self._lock:
                self._out.write(line if line.endswith("\n") else line + "\n")
        return line.strip()

    def close(self) -> None:
        if self._readline is None:
            return
        try:
            path = _history_file()
            path.parent.mkdir(parents=True, exist_ok=True)
            self._readline.write_history_file(path)
        except OSError:
            pass  # history is a nicety
