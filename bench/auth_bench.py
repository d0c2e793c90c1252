"""Login latency and DynamoDB calls per login / registration, in-process against the emulator.

Prints figures; asserts nothing (targets are read by people, not by flaky timed tests).
Target: at most 2 DynamoDB calls per login.
Run: make bench-auth   (or .venv/bin/python bench/auth_bench.py)
"""
from __future__ import annotations

import collections
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support import free_port, unique_id_number, unique_phone

from localstage import devstack

RUNS = 200
calls: collections.Counter = collections.Counter()


def count_dynamodb_calls() -> None:
    from pynamodb.connection.base import Connection

    original = Connection._make_api_call

    def counting(self, operation_name, operation_kwargs):
        calls[operation_name] += 1
        return original(self, operation_name, operation_kwargs)

    Connection._make_api_call = counting


def measured(task) -> tuple[float, collections.Counter]:
    calls.clear()
    start = time.perf_counter()
    try:
        task()
    except Exception as error:  # an expected business outcome (LOGIN_FAILED) is still a login
        if error.__class__.__name__ != "AppError":
            raise
    return (time.perf_counter() - start) * 1000, collections.Counter(calls)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    with devstack.provisioned_emulator(emulator_port=free_port(), api_port=free_port()):
        count_dynamodb_calls()
        run()


def run() -> None:
    from pensioncert.logic import accounts, captcha, sms_code
    from pensioncert.services import services

    svc = services()
    phone, password = unique_phone(), "Shaanxi2026"

    steps = {}
    _, steps["captcha"] = measured(lambda: steps.setdefault("c", captcha.new_captcha(svc)))
    issued = steps.pop("c")
    _, steps["sms-code"] = measured(lambda: sms_code.request_sms_code(
        svc, phone=phone, captcha_id=issued["captcha_id"], captcha_answer=issued["debug_answer"],
        purpose="register"))
    from pensioncert.dal import verification

    text = verification.read_outbox(svc.vault.lookup("phone", phone))[0].text
    code = re.findall(r"(?<!\d)\d{6}(?!\d)", text)[0]
    _, steps["register"] = measured(lambda: accounts.register(
        svc, phone=phone, sms_code=code, name="王建国", id_number=unique_id_number(),
        password=password, password_confirm=password))

    latencies, per_login = [], collections.Counter()
    for _ in range(RUNS):
        elapsed, used = measured(lambda: accounts.login(svc, phone=phone, password=password))
        latencies.append(elapsed)
        per_login = used
    _, failed_login = measured(lambda: accounts.login(svc, phone=phone, password="Wrong2026x"))

    print(f"login runs                    {RUNS}")
    print(f"login p50                     {statistics.median(latencies):.1f} ms")
    print(f"login p99                     {percentile(latencies, 0.99):.1f} ms")
    print(f"dynamodb calls per login      {sum(per_login.values())}  {dict(per_login)}")
    print(f"dynamodb calls, wrong password {sum(failed_login.values())}  {dict(failed_login)}")
    for name in ("captcha", "sms-code", "register"):
        print(f"dynamodb calls, {name:<13} {sum(steps[name].values())}  {dict(steps[name])}")
    total = sum(sum(steps[name].values()) for name in ("captcha", "sms-code", "register"))
    print(f"dynamodb calls per registration (captcha + sms-code + register) {total}"
          "  (sms-code's PutItem is the local stage's outbox copy; deployed stages make one fewer)")


if __name__ == "__main__":
    main()
