"""The terminal: questions and answers, with line editing and history (readline) when a person
types at it; posts that arrive meanwhile are printed above the line being typed.

Ctrl-C is taken while the console waits for an answer. The kernel hands a SIGINT to any thread
that does not block it, and Python acts on it only in the main thread; if a delivery or
scheduler thread caught it, the main thread would sit on in ``input()`` and Ctrl-C would seem
to do nothing. So the main thread blocks SIGINT from the start (every thread it starts inherits
that) and lets it through only while it waits for input; one pressed meanwhile waits until then.
A watcher makes sure a Ctrl-C that lands just before the wait begins is not missed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
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


def _can_mask_signals() -> bool:
    return (
        hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    )


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """SIGINT let through to this (the main) thread for the duration."""
    if not _can_mask_signals():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


class _Interrupts:
    """Ctrl-C while the main thread waits for input. CPython acts on a SIGINT in a blocking read
    only when the wait is interrupted; one that lands after the prompt is shown but before the
    wait begins would go unnoticed. Python's wakeup file tells a watcher of every SIGINT, and
    while the main thread still waits, the watcher sends it again, to that thread."""

    KICK_AFTER = 0.05  # seconds: long enough for the main thread to have reached its wait

    def __init__(self) -> None:
        self.waiting = threading.Event()
        self._reader, writer = socket.socketpair()
        writer.setblocking(False)
        self._writer = writer
        self._before = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        threading.Thread(target=self._watch, name="console-interrupts", daemon=True).start()

    def _watch(self) -> None:
        main = threading.main_thread().ident
        while True:
            try:
                signals = self._reader.recv(64)
            except OSError:
                return
            if not signals:
                return
            if signal.SIGINT in signals and self.waiting.is_set() and main is not None:
                time.sleep(self.KICK_AFTER)
                if self.waiting.is_set():
                    signal.pthread_kill(main, signal.SIGINT)

    def close(self) -> None:
        signal.set_wakeup_fd(self._before)
        self._writer.close()
        self._reader.close()


class Terminal:
    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self._in = stdin
        self._out = stdout
        self._lock = threading.Lock()
        # Before any other thread starts: they all inherit SIGINT blocked (see the module doc).
        self._signals = (
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            if _can_mask_signals()
            else None
        )
        self._interrupts = _Interrupts() if self._signals is not None else None
        interactive = stdin is sys.stdin and stdout is sys.stdout and stdin.isatty()
        self._readline = _readline() if interactive else None
        # A process started from a script's background job inherits SIGINT ignored, and Python
        # then leaves it so: at a terminal of its own, Ctrl-C must still end the console.
        self._ignored_sigint = (
            interactive
            and self._signals is not None
            and signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        )
        if self._ignored_sigint:
            signal.signal(signal.SIGINT, signal.default_int_handler)
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
                with self._waiting():
                    line = input(question)
            except EOFError:
                self._out.write("\n")
                return None
            finally:
                with self._lock:
                    self._prompt = None
            return line.strip()
        with self._lock:
            self._out.write(question)
            self._out.flush()
        with self._waiting():
            line = self._in.readline()
        if not line:
            return None
        if not self._in.isatty():  # echo piped input so a transcript reads like a chat
            with self._lock:
                self._out.write(line if line.endswith("\n") else line + "\n")
        return line.strip()

    @contextlib.contextmanager
    def _waiting(self) -> Iterator[None]:
        """Waiting for the person: Ctrl-C may interrupt now (and only now)."""
        with _interruptible():
            if self._interrupts is not None:
                self._interrupts.waiting.set()
            try:
                yield
            finally:
                if self._interrupts is not None:
                    self._interrupts.waiting.clear()

    def close(self) -> None:
        if self._interrupts is not None:
            self._interrupts.close()
            self._interrupts = None
        if self._signals is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, self._signals)
            self._signals = None
        if self._ignored_sigint:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            self._ignored_sigint = False
        if self._readline is None:
            return
        try:
            path = _history_file()
            path.parent.mkdir(parents=True, exist_ok=True)
            self._readline.write_history_file(path)
        except OSError:
            pass  # history is a nicety
