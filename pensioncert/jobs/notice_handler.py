"""The notice queue's Lambda entry point (deployed stages): the SQS event source mapping invokes it
with a batch of notices, ``ReportBatchItemFailures`` on; the numbers are in ``jobs.notices``."""
from __future__ import annotations


def handle(event, _context) -> dict:
    from pensioncert.jobs.notices import deliver
    from pensioncert.services import services

    return deliver(services(), (event or {}).get("Records") or [])
