"""Test support for Slack-level tests.

- ``payload_limits``: asserts that a message or view the bot emits obeys Slack's rules.
- ``fake_slack``: a loopback fake of the Slack Web API (``FakeSlack``).
- ``fake_socket_mode``: a loopback Socket Mode WebSocket server (``FakeSocketMode``), handed out
  by ``FakeSlack``'s ``apps.connections.open``.
- ``slack_driver``: sends signed requests to the bot in HTTP mode, exactly as Slack does.
- ``socket_mode_driver``: the same requests as Socket Mode envelopes, returning the bot's acks.
- ``http_server``: serves a WSGI app (a Bolt app) on an ephemeral loopback port.
"""
