"""Rules that must hold under concurrency are conditional writes: parallel requests prove it."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from auth_steps import PASSWORD
from support import unique_address, unique_id_number, unique_phone

from pensioncert import passwords
from pensioncert.dal import verification
from pensioncert.dal.tables import AccountTable, ClaimTable
from pensioncert.errors import AppError
from pensioncert.logic import accounts as account_logic
from pensioncert.repositories.accounts import Account, IdNumberProvedElsewhere, PhoneTaken

PARALLEL = 8


def run_parallel(task, count=PARALLEL):
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: _outcome(task), range(count)))


def _outcome(task):
    try:
        return task()
    except AppError as error:
        return error.code.name
    except (PhoneTaken, IdNumberProvedElsewhere) as error:
        return type(error).__name__


def new_account(svc, phone, id_number):
    vault = svc.vault
    return Account(
        account_logic.new_user_id(),
        phone_key=vault.lookup("phone", phone), phone_sealed=vault.seal(phone),
        id_key=vault.lookup("id", id_number), id_sealed=vault.seal(id_number), name="王建国",
        created_by="phone", failed_attempts=0, created_at=svc.clock.now(),
    )


def create(svc, account):
    svc.accounts.create(account, passwords.hash_secret(svc.settings, PASSWORD))


def test_parallel_registrations_of_one_phone_make_one_account(svc):
    phone = unique_phone()
    outcomes = run_parallel(lambda: create(svc, new_account(svc, phone, unique_id_number())))
    assert outcomes.count(None) == 1
    assert outcomes.count("PhoneTaken") == PARALLEL - 1
    assert len(list(AccountTable.by_phone.query(svc.vault.lookup("phone", phone)))) == 1
    # The losers left no claim on their ID numbers behind: a transaction is all or nothing.
    claims = [c for c in ClaimTable.scan() if c.claim.startswith("id#")]
    owners = {c.user_id for c in claims}
    assert all(svc.accounts.get(owner) is not None for owner in owners)


def test_parallel_wrong_passwords_count_each_once_and_lock(svc):
    phone = unique_phone()
    create(svc, new_account(svc, phone, unique_id_number()))
    address = unique_address()  # one caller, so the address's cap is this test's alone
    outcomes = run_parallel(lambda: account_logic.login(svc, phone=phone, password="Wrong2026x",
                                                        client=address))
    assert sorted(outcomes) == ["ACCOUNT_LOCKED"] * (PARALLEL - 2) + ["LOGIN_FAILED"] * 2
    stored = svc.accounts.find_by_phone(svc.vault.lookup("phone", phone))
    assert stored.failed_attempts == 3 and stored.locked_until is not None


def test_a_code_is_used_once_by_parallel_requests(svc):
    phone_key, code_hash = "k" + unique_phone(), "h"
    now = int(svc.clock.now().timestamp())
    assert verification.issue_sms_code(phone_key, "register", code_hash, now=now, ttl=300,
                                       resend_after=60, day="20260301", daily_limit=10).ok
    outcomes = run_parallel(lambda: verification.consume_sms_code(
        phone_key, "register", code_hash, now=now, max_wrong_tries=5))
    assert outcomes.count(True) == 1


def test_a_captcha_is_taken_once_by_parallel_requests(svc):
    captcha_id = "race-" + unique_phone()
    verification.put_captcha(captcha_id, "h", expires_at=2**31)
    outcomes = run_parallel(lambda: verification.take_captcha(captcha_id) is not None)
    assert outcomes.count(True) == 1
