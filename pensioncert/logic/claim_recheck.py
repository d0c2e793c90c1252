"""A claim made before the person entered the registry, re-checked at the registry import (issue 19,
finding 1): someone who bound a made-up person's ID number with a drawn card and their own face
would otherwise keep it when that person is imported, and the card's login would land in their
account. A claim proved by the card or by a trusted face (``IdClaim.proved_with``) stays; one
proved only by the card's portrait (before this rule) is taken back, audited, so the card login
then goes to the account the card proves."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pensioncert import labels, normalize
from pensioncert.repositories.accounts import ClaimChanged, IdClaim

if TYPE_CHECKING:
    from pensioncert.services import Services


def on_first_import(svc: Services, id_key: str, *, name: str, id_number: str, region: str,
                    actor: str, actor_name: str) -> bool:
    """True when an unproved claim was taken back."""
    claim: IdClaim | None = svc.accounts.id_claim(id_key)
    if claim is None or not claim.proved or claim.proved_with:
        return False
    try:
        svc.accounts.revoke_unproved_id_claim(id_key, claim.user_id, now=svc.clock.now(), audit={
            "actor": actor, "actor_name": actor_name, "action": "claim_revoked",
            "target": f"{name} {normalize.mask_id_number(id_number)}", "region": region,
            "before": {labels.AUDIT_REAL_NAME_ACCOUNT: claim.user_id},
            "after": {labels.AUDIT_REAL_NAME_ACCOUNT: labels.ABSENT},
            "reason": labels.AUDIT_CLAIM_REVOKED_REASON})
    except ClaimChanged:  # another proof took the claim meanwhile
        return False
    return True
