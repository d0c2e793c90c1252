"""The identity authority: a face comparison against the photo an authority holds for an ID number.

This is how mainland apps check a face without a photo of their own: the app's live face is sent
with the claimed name and ID number to an authority (the public-security identity service, or a
provincial human-resources platform that fronts it), which compares it with the photo on record
and answers a score and a transaction id. Here it is one small interface::

    compare(id_number, name, live_face) -> (score, transaction_id)

with adapters chosen by settings (``PC_IDENTITY_AUTHORITY``): ``none`` (no authority: only the
registry photo and staff photos are references) or ``http`` (the signed JSON protocol in
``http_json.py``, which the local stage's fake authority speaks and a province's gateway to its
authority implements; see readme_trust.md). The pass rule is ``passes`` below, the only place
that turns an authority's score into a decision.
"""
from __future__ import annotations

from pensioncert.identity.authority import AuthorityUnavailable, IdentityAuthority, NoAuthorityRecord

__all__ = ["AuthorityUnavailable", "IdentityAuthority", "NoAuthorityRecord", "get_authority", "passes"]


def passes(settings, score: float) -> bool:
    """The pass rule for an authority's comparison: its score at or above the threshold the province
    agreed with its authority (``PC_IDENTITY_AUTHORITY_PASS_SCORE``, on the adapter's [0, 1] scale)."""
    return score >= settings.identity_authority_pass_score


def get_authority(settings) -> IdentityAuthority | None:
    if settings.identity_authority == "none":
        return None
    if settings.identity_authority == "http":
        from pensioncert.identity.http_json import HttpJsonAuthority

        return HttpJsonAuthority(
            url=settings.identity_authority_url,
            key=settings.identity_authority_key.get_secret_value() if settings.identity_authority_key else "",
            timeout=settings.identity_authority_timeout_seconds,
            # Plain http only to the local stage's fake authority on loopback.
            require_https=not settings.is_local,
        )
    raise ValueError(f"unknown identity authority adapter {settings.identity_authority!r}")
