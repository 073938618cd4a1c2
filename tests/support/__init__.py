"""Test support: what several test modules share.

Service-level tests:

- ``actors``: ``FACILITATOR``, named members, numbered people, and ``mention`` as Slack writes it.
- ``service``: ``new_service``, ``say`` and ``click`` (a Reply with a result, always), and
  ``done``, ``refused``, ``closed``, ``outcome`` and ``error_text`` to read what happened from
  ``Reply.result`` instead of from Danish sentences.
- ``seats``: what the database says about seats, offers, requests, attendance and history.
- ``deliverybot``: the service plus delivery, on a controlled clock: to the in-memory recording
  notifier (``memory_delivery_bot``) or to the fake Slack (``delivery_bot``).
- ``memory_notifier``: ``MemoryNotifier``, the recording in-memory ``bot.ports.Notifier`` (with
  injected faults) for delivery tests that do not test a chat platform.

Slack-level tests:

- ``payload_limits``: asserts that a message or view the bot emits obeys Slack's rules.
- ``fake_slack``: a loopback fake of the Slack Web API (``FakeSlack``).
- ``fake_socket_mode``: a loopback Socket Mode WebSocket server (``FakeSocketMode``), handed out
  by ``FakeSlack``'s ``apps.connections.open``.
- ``slack_driver``: sends signed requests to the bot in HTTP mode, exactly as Slack does.
- ``socket_mode_driver``: the same requests as Socket Mode envelopes, returning the bot's acks.
- ``http_server``: serves a WSGI app (a Bolt app) on an ephemeral loopback port.
"""
