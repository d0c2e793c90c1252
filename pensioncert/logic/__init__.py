"""Use cases, one module each, shared by every door. No HTTP or AWS event types here."""
