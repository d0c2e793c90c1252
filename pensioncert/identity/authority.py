"""The identity authority's interface and its two failures, apart from the adapter choice in
``__init__`` so that an adapter imports them without importing the package that chooses it."""
from __future__ import annotations

from typing import Protocol


class NoAuthorityRecord(Exception):
    """The authority holds no photo for this ID number and name (or the name is not that ID's)."""


class AuthorityUnavailable(Exception):
    """The authority did not answer usably (network, timeout, signature, a 5xx): an outage, retryable."""


class IdentityAuthority(Protocol):
    def compare(self, id_number: str, name: str, live_face: bytes) -> tuple[float, str]:
        """Score in [0, 1] of the live face (a JPEG) against the authority's photo of this ID number,
        and the authority's transaction id (kept with the certification as evidence). Raises
        NoAuthorityRecord or AuthorityUnavailable."""

    def has_record(self, id_number: str, name: str) -> bool:
        """Whether the authority holds a photo for this ID number under this name (checked when a
        session opens, so that a retiree with no reference at all is told so before filming)."""
