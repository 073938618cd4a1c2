"""Test support for Slack-level tests.

- ``payload_limits``: asserts that a message or view the bot emits obeys Slack's rules.
- ``fake_slack``: a loopback fake of the Slack Web API (``FakeSlack``).
- ``slack_driver``: sends signed requests to the bot in HTTP mode, exactly as Slack does.
- ``http_server``: serves a WSGI app (a Bolt app) on an ephemeral loopback port.
"""
