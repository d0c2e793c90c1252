"""How soon the API answers its retryable 503 when AWS fails: `python bench/faults_bench.py [N]`.

tests/reliability/test_faults.py checks that these calls answer `503 SERVICE_UNAVAILABLE` (retryable)
and leave nothing half-written; this prints how long the answer takes (the SDK's retries and their
back-off are in it), against the same FaultStack: its own moto server, the fault proxy, and the API
as its own process (chalice local) reaching AWS only through the proxy.

- registration with every TransactWriteItems throttled (the test once held it to 15 s), N runs;
- a wrong-password login with the accounts table's UpdateItem throttled, N runs;
- with the emulator stopped (last: it is gone for good), login, captcha, status and a contact add
  (the test once held each to 30 s), once each.
"""
from __future__ import annotations

import os
import statistics
import sys
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "reliability"), str(REPO / "layers" / "vision")]

from faults import THROTTLED, FaultStack, timed  # noqa: E402
from support import unique_id_number, unique_phone  # noqa: E402

PASSWORD = "Shaanxi2026"


def line(label: str, seconds: list[float], answers: list[tuple]) -> None:
    codes = sorted({f"{status} {(body or {}).get('error', {}).get('code')}" for status, body in answers})
    print(f"  {label:<44} p50 {statistics.median(seconds):6.2f} s   max {max(seconds):6.2f} s   {', '.join(codes)}")


def main(runs: int) -> None:
    import build_models

    build_models.build()  # the models the API's in-process vision function loads
    print(f"runs {runs}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    stack = FaultStack()
    try:
        seconds, answers = [], []
        for _ in range(runs):
            phone = unique_phone()
            code = stack.sms_code(phone)
            stack.proxy.spoil(operation="TransactWriteItems", answer=THROTTLED)
            answer, took = timed(partial(stack.post, "/auth/register", {
                "phone": phone, "sms_code": code, "name": "李秀英", "id_number": unique_id_number(1957),
                "password": PASSWORD, "password_confirm": PASSWORD}))
            stack.proxy.heal()
            seconds.append(took)
            answers.append(answer)
        line("registration, TransactWriteItems throttled", seconds, answers)

        seconds, answers = [], []
        for _ in range(runs):
            phone = unique_phone()
            assert stack.register(phone, unique_id_number(1960))[0] == 201
            stack.proxy.spoil(operation="UpdateItem", table_suffix="accounts", answer=THROTTLED)
            answer, took = timed(partial(stack.post, "/auth/login", {"phone": phone, "password": "Wrong2026x"}))
            stack.proxy.heal()
            seconds.append(took)
            answers.append(answer)
        line("wrong-password login, UpdateItem throttled", seconds, answers)

        token = stack.card_login()
        stack.stop_emulator()
        for method, path, body in [("POST", "/auth/login", {"phone": unique_phone(), "password": PASSWORD}),
                                   ("POST", "/auth/captcha", None),
                                   ("GET", "/query/status?subject=self", None),
                                   ("POST", "/contacts", {"name": "吴建华", "id_number": unique_id_number(1930),
                                                          "relation": "父亲"})]:
            answer, took = timed(partial(stack.request, method, path, body, token))
            line(f"emulator stopped: {method} {path.split('?')[0]}", [took], [answer])
    finally:
        stack.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
