"""The application service: one call per user action, one transaction, a neutral reply."""
