"""The dal's retry policy (dal/transactions.py) without DynamoDB: the emulator runs one request at a
time and never cancels a transaction for a conflict, so the conflicted and throttled answers are
made here, and the writers that retry them are run against a transaction that always gets them."""
from __future__ import annotations

import time
from collections import Counter
from contextlib import contextmanager

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError
from pynamodb.transactions import TransactWrite

from pensioncert.dal import certifications, life_events, liveness_sessions, transactions
from pensioncert.dal.life_tables import LifeEventTable
from pensioncert.dal.tables import LivenessSessionTable

CONFLICT = "TransactionConflict"
FAILED = "ConditionalCheckFailed"


def cancelled(*codes: str | None) -> TransactWriteError:
    """A TransactWriteItems cancelled with one reason per item (None: that item was fine)."""
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}},
        "TransactWriteItems",
        cancellation_reasons=[None if code is None else CancellationReason(code=code) for code in codes])
    return TransactWriteError("Failed to write transaction items", cause=cause)


def throttled() -> TransactWriteError:
    cause = VerboseClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                               "TransactWriteItems")
    return TransactWriteError("Failed to write transaction items", cause=cause)


@pytest.fixture
def pauses(monkeypatch) -> list[float]:
    """The pauses the policy took, instead of taking them."""
    taken: list[float] = []
    monkeypatch.setattr(time, "sleep", taken.append)
    return taken


class Calls:
    """A write that raises ``first`` in turn, then ``always`` on every call (if given), else answers
    ``answer``; it counts its calls."""

    def __init__(self, *first: BaseException, always: BaseException | None = None, answer=None) -> None:
        self.first, self.always, self.answer, self.count = list(first), always, answer, 0

    def __call__(self):
        self.count += 1
        if self.first:
            raise self.first.pop(0)
        if self.always is not None:
            raise self.always
        return self.answer


def test_a_conflict_is_sent_again_the_allowed_number_of_times_then_raised_as_it_came(pauses):
    error = cancelled(None, CONFLICT)
    write = Calls(always=error)
    with pytest.raises(TransactWriteError) as raised:
        transactions.retry_conflicts(write, retries=5)
    assert raised.value is error
    assert write.count == 6
    assert len(pauses) == 5
    # uniform(5, 50 ms) x the tries so far: a pause grows with each conflict.
    assert all(0.005 * n <= pause <= 0.05 * n for n, pause in enumerate(pauses, start=1))


def test_a_conflict_that_clears_answers_as_the_write_does(pauses):
    write = Calls(cancelled(CONFLICT), cancelled(CONFLICT), answer="stored")
    assert transactions.retry_conflicts(write, retries=5) == "stored"
    assert write.count == 3
    assert len(pauses) == 2


def test_a_failed_condition_is_an_answer_and_never_sent_again(pauses):
    for error in (cancelled(FAILED), cancelled(FAILED, CONFLICT)):
        write = Calls(always=error)
        with pytest.raises(TransactWriteError) as raised:
            transactions.retry_conflicts(write, retries=5)
        assert raised.value is error
        assert write.count == 1
    assert pauses == []


def test_anything_else_goes_through_unretried(pauses):
    for error in (throttled(), RuntimeError("outage")):
        write = Calls(always=error)
        with pytest.raises(type(error)):
            transactions.retry_conflicts(write, retries=5)
        assert write.count == 1


def test_a_batch_retries_throttling_too_with_the_longer_pause(pauses):
    write = Calls(always=throttled())
    with pytest.raises(TransactWriteError):
        transactions.retry_conflicts(write, retries=8, retryable=transactions.is_conflict_or_throttled,
                                     pause=transactions.batch_pause)
    assert write.count == 9
    # 50 ms x 2^tries, half of it at random, at most 2 s.
    assert 0.05 <= pauses[0] <= 0.1 and 0.1 <= pauses[1] <= 0.2
    assert all(1.0 <= pause <= 2.0 for pause in pauses[5:])


def test_a_lost_race_is_run_again_at_once_then_given_up_as_the_caller_says(pauses):
    attempt = Calls(always=transactions.LostRace())
    gives_up = RuntimeError("kept changing")
    with pytest.raises(RuntimeError) as raised:
        transactions.retry_lost_races(attempt, attempts=4, gives_up=gives_up)
    assert raised.value is gives_up
    assert attempt.count == 4
    assert pauses == [0, 0, 0]  # tenacity's sleep(0): at once


def test_a_race_won_on_a_later_try_answers_and_other_errors_go_through(pauses):
    won = Calls(transactions.LostRace(), transactions.LostRace(), transactions.LostRace(), answer=7)
    assert transactions.retry_lost_races(won, attempts=4, gives_up=RuntimeError()) == 7
    assert won.count == 4
    refused = Calls(always=ValueError("already corrected"))
    with pytest.raises(ValueError):
        transactions.retry_lost_races(refused, attempts=4, gives_up=RuntimeError())
    assert refused.count == 1


def test_failed_items_are_read_by_position():
    assert transactions.failed_transaction_items(cancelled(None, FAILED, None, FAILED)) == [1, 3]
    assert transactions.failed_transaction_items(cancelled(CONFLICT)) == []
    assert transactions.failed_transaction_items(throttled()) == []


# --- the writers that retry conflicts give up after today's number of tries ---------------------

class _AlwaysConflicted:
    """Stands in for ``write_transaction``: every transaction is cancelled by a conflict."""

    def __init__(self) -> None:
        self.sent = 0

    @contextmanager
    def __call__(self):
        self.sent += 1
        yield self
        raise cancelled(CONFLICT)

    def save(self, *args, **kwargs) -> None:
        pass

    update = condition_check = save


@pytest.mark.parametrize(("module", "write", "tries"), [
    (certifications, lambda: certifications._transact(lambda transaction: None, Counter()),
     certifications._CONFLICT_RETRIES + 1),
    (liveness_sessions, lambda: liveness_sessions.create_counted(LivenessSessionTable("s"), [("k", 3)]),
     liveness_sessions._CONFLICT_RETRIES + 1),
    (life_events, lambda: life_events.put_new([LifeEventTable("event")], [], now=None),
     life_events._BATCH_RETRIES + 1),
], ids=["certification", "liveness session", "life-event batch"])
def test_a_writer_gives_up_a_conflict_after_its_tries(monkeypatch, pauses, module, write, tries):
    transaction = _AlwaysConflicted()
    monkeypatch.setattr(module, "write_transaction", transaction)
    with pytest.raises(TransactWriteError) as raised:
        write()
    assert transactions.is_conflict(raised.value)
    assert transaction.sent == tries
    assert len(pauses) == tries - 1


def test_a_transaction_is_opened_on_the_one_transaction_connection(monkeypatch):
    class Abandoned(Exception):
        pass

    connection = object()
    monkeypatch.setattr(transactions, "transaction_connection", lambda: connection)
    with pytest.raises(Abandoned), transactions.write_transaction() as transaction:
        assert isinstance(transaction, TransactWrite)
        assert transaction._connection is connection
        raise Abandoned  # nothing is sent
