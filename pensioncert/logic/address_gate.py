"""Per-address caps on logins (phone, card, staff): lock the attacker, not the people who share
the attacker's address (a mobile carrier's NAT, an office's egress).

Two counters, each a rolling window in the ``limits`` table changed only by conditional writes
(``dal.limits``):

- **per address**: every login takes a slot of its address's hour before anything is checked and
  gives it back when it succeeds, so only unsuccessful logins fill it (``failures_per_hour``).
- **per (address, account)**: past the address's cap the address is not shut for everyone. Each
  account it names gets one try of its own an hour: the right credential logs in, a wrong one is
  answered 429 and **counts on no account** (no lock, no wait). The account this address already
  tried past the cap (the one under attack from here) gets 429 at once, without a check.

So one address can lock at most ``failures_per_hour // 3`` accounts an hour (3 wrong passwords
lock), and a neighbour behind the same address still logs in with the right credential.
"""
from __future__ import annotations

from dataclasses import dataclass

from pensioncert.dal import limits

HOUR_SECONDS = 3600


@dataclass(frozen=True)
class AddressCap:
    name: str  # "phone-login", "card-login", "staff-login"
    failures_per_hour: int

    @property
    def window(self) -> limits.Window:
        # The size is part of the name: a window's slots keep their meaning (see dal.limits).
        return limits.Window(f"{self.name}-client-{self.failures_per_hour}", self.failures_per_hour,
                             HOUR_SECONDS)

    @property
    def pair_window(self) -> limits.Window:
        return limits.Window(f"{self.name}-pair", 1, HOUR_SECONDS)


@dataclass(frozen=True)
class Pass:
    """Leave to check one credential. ``counted``: within the address's cap, so a failure counts
    on the account as usual; otherwise the account's one try of the hour from this address."""

    cap: AddressCap
    client: str
    taken: limits.Taken | None

    @property
    def counted(self) -> bool:
        return self.taken is not None


def enter(cap: AddressCap, client: str, account: str, now: int) -> Pass | None:
    """A pass for a login of ``account`` (a keyed hash) from ``client`` (a keyed hash of the
    address) at epoch second ``now``; None: refuse it (429) before anything is looked at."""
    taken = limits.take(cap.window, client, now)
    if taken is not None:
        return Pass(cap, client, taken)
    if limits.take(cap.pair_window, f"{client}#{account}", now) is None:
        return None
    return Pass(cap, client, None)


def refused_outright(cap: AddressCap, client: str, account: str, now: int) -> bool:
    """Whether ``enter`` would refuse (a read, for answering 429 before a captcha is asked for;
    ``enter`` decides)."""
    return (limits.left(cap.window, client, now) == 0
            and limits.left(cap.pair_window, f"{client}#{account}", now) == 0)


def succeeded(gate: Pass) -> None:
    """The login succeeded: its slot is free again (successful logins never fill the window)."""
    if gate.taken is not None:
        limits.give_back(gate.cap.window, gate.client, gate.taken)


def failures(cap: AddressCap, client: str, now: int) -> int:
    """Unsuccessful logins of this address in the last hour (a read: for showing a captcha)."""
    return cap.failures_per_hour - limits.left(cap.window, client, now)
