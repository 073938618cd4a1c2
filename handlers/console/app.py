"""The console assembles itself: a terminal conversation as one user (a facilitator), with the
scheduled posts printed as they fire, around the core the composition root lends it. ``CONSOLE``
is its row in ``bot.runtime.PLATFORMS``; it needs no credentials, so it runs when no other
platform is configured.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Mapping

from bot.clock import OffsetClock
from bot.db import database_answers
from bot.ops import Health
from bot.platform import Assembly, PlatformKind, RunOptions
from handlers.console.choices import Choices
from handlers.console.console import Console
from handlers.console.notifier import ConsoleNotifier
from handlers.console.people import CONSOLE_TEAM, PLATFORM, ConsoleProfiles, ConsoleUser

# The network's channel in the console when KLIMANET_CHANNEL is not set.
CONSOLE_CHANNEL = "konsol-kanal"
# stop(): how often, and how many seconds apart, the interrupt is sent until the console ends.
STOP_ATTEMPTS = 20
STOP_PATIENCE = 0.5


class ConsolePlatform:
    """``bot.platform.Platform`` for the terminal: reads commands from stdin until ``/afslut``,
    the end of the input or Ctrl-C."""

    def __init__(self, assembly: Assembly, options: RunOptions) -> None:
        self._assembly = assembly
        profiles = ConsoleProfiles()
        self.core = assembly.core(profiles=profiles, default_channel=CONSOLE_CHANNEL)
        service = self.core.service
        profiles.remember(service.known_names(PLATFORM, CONSOLE_TEAM))
        service.make_facilitator(options.user_id)
        choices = Choices()
        # /tid moves the clock: the console's clock is the one the core was built with.
        clock = assembly.clock if isinstance(assembly.clock, OffsetClock) else None
        self.console = Console(
            service,
            ConsoleUser(options.user_id, options.name),
            sys.stdin,
            sys.stdout,
            clock=clock,
            profiles=profiles,
            choices=choices,
        )
        # No rate limit: the console does not wait between posts to its channel.
        self.delivery = assembly.delivery(
            self.core,
            ConsoleNotifier(self.console.say, choices, profiles, channel=service.settings.channel),
            per_channel_interval=0.0,
        )
        self.console.deliver_with(self.delivery.drain)

    def health(self) -> Health:
        return Health(database_answers(self.core.engine), self.delivery.seconds_since_progress())

    def stop(self) -> None:
        # As Ctrl-C: the conversation ends and says goodbye. Sent to the main thread, so its
        # wait for a line is interrupted (a flag alone would wait for the next line). Sent
        # again while the conversation goes on: on a loaded machine one interrupt can land in
        # the instant before the wait begins and be missed.
        main = threading.main_thread().ident
        assert main is not None
        if threading.current_thread() is threading.main_thread():
            signal.pthread_kill(main, signal.SIGINT)  # acted on when this handler returns
            return
        for _ in range(STOP_ATTEMPTS):
            signal.pthread_kill(main, signal.SIGINT)
            if self.console.ended.wait(STOP_PATIENCE):
                return

    def run(self) -> int:
        # Delivery ticks on the scheduler: the console has no loop thread.
        jobs = self._assembly.start_jobs(self.core, self.delivery.tick)
        try:
            return self.console.run()
        finally:
            jobs.shutdown(wait=False)
            self.delivery.close()
            self.core.engine.dispose()


def _settings(env: Mapping[str, str]) -> bool:
    return True  # nothing to configure: always available


def _build(settings: bool, assembly: Assembly, options: RunOptions) -> ConsolePlatform:
    return ConsolePlatform(assembly, options)


CONSOLE: PlatformKind[bool] = PlatformKind(name=PLATFORM, read_settings=_settings, build=_build)
