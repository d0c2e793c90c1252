"""Tables of the agency admin (staff, audit log, aggregates, overseas residents).

Kept apart from tables.py so the admin's tables are one place; binding.py creates and binds both.
"""
from __future__ import annotations

ADMIN_TABLES: tuple = ()
