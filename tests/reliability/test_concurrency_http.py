"""The once-only rules at the issue's sizes, over real HTTP against the `make run` stack, checked in
the raw tables afterwards (not only in the answers)."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import devset
import requests
from stackctl import REGISTRY_HEADER, REPO, genuine_steps
from support import unique_id_number, unique_phone

PASSWORD = "Shaanxi2026"


def parallel(count, task):
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda i: _resent_on_reset(task, i), range(count)))


def _resent_on_reset(task, i, attempts=3):
    """chalice's local server listens with a backlog of 5: under 50 simultaneous connects the kernel
    may reset a connection before the server accepted it. Such a request never reached the app, so
    the client sends it again, as the app's HTTP client would (a replay that did reach it would
    only meet the single-use rules under test: a used session, a spent code)."""
    for attempt in range(attempts):
        try:
            return task(i)
        except requests.ConnectionError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)


def test_concurrent_completions_for_one_subject_store_one_certification(rstack, retiree):
    """A day's sessions for one subject (the daily cap: 10), opened by the API (each with its own draw),
    answered at once with the retiree's real steps: every draw the dev set answers holds her blink, so
    every completion but the first to claim its frames is a replay of it."""
    sessions = [rstack.open_session(retiree["token"])]  # one draw the dev set answers with two moments
    while True:  # then the rest of the day's sessions, as drawn
        status, body = rstack.post("/certify/sessions", {"subject": "self"}, retiree["token"])
        if status == 429:
            assert body["error"]["code"] == "SESSION_LIMIT", body
            break
        assert status == 201, body
        sessions.append(body)
    count = len(sessions)
    steps = [genuine_steps(session) for session in sessions]
    outcomes = parallel(count, lambda i: rstack.post(f"/certify/sessions/{sessions[i]['session_id']}/complete",
                                                     {"steps": steps[i]}, retiree["token"], timeout=120))
    statuses = sorted(status for status, _ in outcomes)
    assert statuses.count(200) == 1, statuses
    # 422: frames another completion claimed first (a replay, counted). 409: the year is certified.
    # 429: while more completions are in flight than the yearly limit of failures, a loser finds no
    # attempt left to reserve before vision runs. 410: a resent request met its own session still
    # being decided. Which loser meets which depends on the race; each code is checked below.
    assert set(statuses) <= {200, 409, 410, 422, 429}, statuses
    assert {body["error"]["reason"] for status, body in outcomes if status == 409} <= {"ALREADY_CERTIFIED"}
    assert {body["error"]["code"] for status, body in outcomes if status == 429} <= {"ATTEMPTS_EXHAUSTED"}
    replays = [body["error"] for status, body in outcomes if status == 422]
    assert all((error["code"], error["challenge"]) == ("LIVENESS_FAILED", None) for error in replays), replays
    winner = next(body for status, body in outcomes if status == 200)

    subject_key = rstack.vault().lookup("id", retiree["id"])
    stored = [item for item in rstack.scan("certifications") if item["subject_key"]["S"] == subject_key]
    assert len(stored) == 1
    # Every reserved attempt was given back but the replays': a genuine pass counts as no failure.
    assert [int(item.get("failed", {}).get("N", 0)) for item in rstack.scan("attempts")
            if item["subject_key"]["S"] == subject_key and "failed" in item] in ([], [len(replays)])
    assert stored[0]["certification_id"]["S"] == winner["certification_id"]
    # ... and it has its evidence record.
    rstack.s3().head_object(Bucket=rstack.bucket, Key=stored[0]["evidence_key"]["S"])
    status, history = rstack.get("/query/certifications?subject=self", retiree["token"])
    assert status == 200 and len(history["items"]) == 1


def test_fifty_concurrent_registrations_of_one_phone_make_one_account(rstack):
    phone = unique_phone()
    code = rstack.sms_code(phone)
    ids = [unique_id_number(1955) for _ in range(50)]
    outcomes = parallel(50, lambda i: rstack.post("/auth/register", {
        "phone": phone, "sms_code": code, "name": "李秀英", "id_number": ids[i],
        "password": PASSWORD, "password_confirm": PASSWORD}))
    # The code is spent by one conditional delete before the phone is claimed (accounts.register):
    # one request wins it, the 49 others find it gone.
    answers = sorted((status, body.get("error", {}).get("code")) for status, body in outcomes)
    assert answers == [(201, None)] + [(400, "SMS_CODE_INVALID")] * 49, answers

    vault = rstack.vault()
    phone_key = vault.lookup("phone", phone)
    accounts = [item for item in rstack.scan("accounts") if item.get("phone_key", {}).get("S") == phone_key]
    assert len(accounts) == 1
    claims = {item["claim"]["S"]: item["user_id"]["S"] for item in rstack.scan("claims")}
    winner = accounts[0]["user_id"]["S"]
    assert claims[f"phone#{phone_key}"] == winner
    # Registration claims no ID number (it is claimed by real-name binding); the 49 losers left nothing.
    assert [i for i in ids if f"id#{vault.lookup('id', i)}" in claims] == []
    existing = {item["user_id"]["S"] for item in rstack.scan("accounts")}
    assert [claim for claim, owner in claims.items() if owner not in existing] == []
    status, body = rstack.post("/auth/login", {"phone": phone, "password": PASSWORD})
    assert status == 200 and body["user"]["user_id"] == winner


def test_twenty_concurrent_wrong_passwords_lock_the_account(rstack):
    phone = unique_phone()
    status, _ = rstack.register(phone, unique_id_number(1956))
    assert status == 201
    outcomes = parallel(20, lambda _: rstack.post("/auth/login", {"phone": phone, "password": "Wrong2026x"}))
    # One address: its first 10 failures are judged (two wrong, the lock, then locked), the account gets
    # one more try from it past the address's cap, and the other 9 are 429 LOGIN_RATE_LIMITED, counted
    # on no account (docs/limits.md).
    assert sorted(status for status, _ in outcomes) == [401, 401] + [423] * 9 + [429] * 9
    assert sorted(body["error"].get("attempts_left", -1) for status, body in outcomes if status == 401) == [1, 2]
    # The right password from the same address: its one try past the cap was used in the storm.
    status, body = rstack.post("/auth/login", {"phone": phone, "password": PASSWORD})
    assert (status, body["error"]["code"]) == (429, "LOGIN_RATE_LIMITED"), body
    account = next(item for item in rstack.scan("accounts")
                   if item.get("phone_key", {}).get("S") == rstack.vault().lookup("phone", phone))
    assert account["failed_attempts"]["N"] == "3" and "locked_until" in account


def test_concurrent_imports_of_one_file_leave_no_duplicate_or_half_row(rstack):
    people = [unique_id_number(1940) for _ in range(5)]
    rows = (f"{people[0]},陈建华,西安市,碑林区教育局,recipient,activated,112233,p06.jpg\n"
            f"{people[1]},陈秀兰,西安市,碑林区教育局,recipient,not_activated,,\n"
            f"{people[2]},陈志强,宝鸡市,渭滨区财政局,suspended,,,\n"
            f"{people[3]},陈桂英,宝鸡市,渭滨区财政局,recipient,activated,445566,p04.jpg\n"
            f"{people[4]},陈国平,宝鸡市,渭滨区财政局,deceased,,,\n"
            "not-an-id,陈某,宝鸡市,渭滨区财政局,recipient,,,\n")
    work = Path(tempfile.mkdtemp(prefix="pc-import-race-"))
    devset.copy_reference_photos(work, ("p06", "p04"))
    csv = work / "registry.csv"
    csv.write_text(REGISTRY_HEADER + rows, encoding="utf-8")

    def import_once(_):
        return subprocess.Popen([sys.executable, "-m", "pensioncert.registry_import", str(csv)], cwd=REPO,
                                env=rstack.child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    processes = [import_once(i) for i in range(4)]  # 4 `make import` processes at once
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        assert out.strip(), f"an import crashed (exit {process.returncode}):\n{err[-1500:]}"
        reports.append(json.loads(out))
    # Each import reports the one bad row by its line; the good rows were written by someone.
    for report in reports:
        assert [error["line"] for error in report["errors"]] == [7], report
    assert sum(report["written"] for report in reports) >= 5

    vault = rstack.vault()
    keys = {vault.lookup("id", person): person for person in people}
    registry = [item for item in rstack.scan("registry") if item["id_key"]["S"] in keys]
    cards = [item for item in rstack.scan("cards") if item["id_key"]["S"] in keys]
    missing = {"registry": [keys[k] for k in keys if k not in {i["id_key"]["S"] for i in registry}],
               "cards": [keys[k] for k in keys if k not in {i["id_key"]["S"] for i in cards}]}
    assert missing == {"registry": [], "cards": []}, (missing, people, reports)
    assert len(registry) == len(cards) == len(keys)  # one item each
    required = {"id_sealed", "name", "region", "unit", "status", "row_fingerprint", "imported_at"}
    for item in registry:
        assert required <= set(item), item.keys()
        assert vault.open(item["id_sealed"]["S"]) == keys[item["id_key"]["S"]]
    with_photo = {vault.lookup("id", people[0]), vault.lookup("id", people[3])}
    for item in registry:
        if item["id_key"]["S"] in with_photo:  # photo stored and its template embedded: never half
            assert len(item["reference_embedding"]["B"]) == 128 * 4 and item["photo_key"]["S"]
            rstack.s3().head_object(Bucket=rstack.bucket, Key=item["photo_key"]["S"])
    pins = {item["id_key"]["S"]: item.get("pin_hash") for item in cards}
    assert pins[vault.lookup("id", people[0])] and pins[vault.lookup("id", people[3])]
    # A fifth import of the same file changes nothing.
    again = json.loads(subprocess.run([sys.executable, "-m", "pensioncert.registry_import", str(csv)],
                                      cwd=REPO, env=rstack.child_env(), capture_output=True, text=True,
                                      timeout=240).stdout)
    assert again["written"] == 0
    status, _ = rstack.post("/auth/card-login", {"id_number": people[0], "card_password": "112233"})
    assert status == 200
