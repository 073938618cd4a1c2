"""Chat platforms, one folder each, inbound and outbound together: ``slack/`` and ``console/``.

A platform renders the core's neutral replies and implements its ports (``bot.ports``); the
composition root (``bot.runtime``) wires one of them to the core.
"""
