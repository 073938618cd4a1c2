"""The seat rules beyond registration: approvals, offers (handover, swap, substitute),
attendance, facilitators' corrections, and the history. One module per area."""
