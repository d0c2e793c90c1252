"""Schemathesis, briefly, against the running stack: every operation of openapi/openapi.yaml, no 5xx,
every status and body as documented. `make fuzz` is the long run of the same (tests/reliability/fuzz.py)."""
from __future__ import annotations

import json

import fuzz

# Short enough for `make test`: the run stops at max_time whatever the example count.
MAX_EXAMPLES = 10
MAX_TIME_S = 40


def test_every_operation_fuzzed_without_5xx_or_schema_violations(rstack, demo_token):
    summary = fuzz.run(rstack.base_url, demo_token, max_examples=MAX_EXAMPLES, max_time=MAX_TIME_S)
    print(fuzz.headline(summary))
    details = json.dumps({k: summary[k] for k in ("failures", "server_error_examples")},
                         ensure_ascii=False, indent=1)
    assert summary["operations"]["tested"] == summary["operations"]["total"] == 23
    assert summary["server_errors_5xx"] == 0, details
    assert summary["schema_violations"] == 0, details
    assert not summary["failed_checks"], details
    assert summary["test_cases"]["generated"] > 200
