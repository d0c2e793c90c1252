"""The repositories: per aggregate, what the use cases (``pensioncert/logic``) may ask of storage.

Each module here holds one aggregate's domain record (a frozen dataclass), its repository
interface (a ``typing.Protocol``), the domain's exceptions for a write the store refused, and an
in-memory implementation that keeps the same promises in a dict. The PynamoDB implementation is the
aggregate's module in ``pensioncert/dal`` (the only place its table items and conditions are built);
``Services`` holds one of each aggregate's repository, the PynamoDB one unless a test passes another.

Nothing here imports ``pensioncert.dal`` or PynamoDB (tests/unit/test_import_graph.py checks it):
the logic and its unit tests read these modules without a table in sight.
"""
from __future__ import annotations


class Refused(Exception):
    """A conditional write the store refused: a business outcome (someone or something was there
    first), never an outage. Each aggregate names its own kinds; the logic maps them to its answers."""
