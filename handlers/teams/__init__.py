"""Microsoft Teams on the Microsoft 365 Agents SDK: settings, the notifier on the SDK's connector
client, Adaptive Card rendering, and the app package."""
