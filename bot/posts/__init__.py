"""What gets posted when: the outbox, the planner, post kinds, and rendering at send time."""
