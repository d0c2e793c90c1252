"""Schemathesis against openapi/openapi.yaml and a running local stack, bounded in count and time.

`make fuzz` runs ``python tests/reliability/fuzz.py`` (a stack of its own on free ports, a longer
budget); tests/reliability/test_fuzz.py runs ``run()`` briefly against the suite's stack.

Every operation of the file is exercised (coverage, fuzzing and stateful phases) with the bearer
token of the demo card login (real-name verified), so the authenticated operations are reached.
Checks: every schemathesis check but ``positive_data_acceptance`` — the request schemas describe
types and lengths, while GB 11643 check digits, mainland numbers and Chinese names are checked by
the code and documented as 400 codes, so a schema-valid but wrongly formatted value is *meant* to
get 400. What must hold: no 5xx, every status and body as the file documents it.
"""
from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SPEC = REPO / "openapi" / "openapi.yaml"
CONFIG = HERE / "schemathesis.toml"
EXCLUDED_CHECKS = ["positive_data_acceptance"]


def st_binary() -> str:
    candidate = Path(sys.executable).parent / "st"
    return str(candidate) if candidate.exists() else "st"


def run(base_url: str, token: str, *, max_examples: int, max_time: int, seed: int | None = None,
        workers: int = 2, report_dir: Path | None = None) -> dict:
    """Run schemathesis once; returns the figures (and the failures, for the assertion message)."""
    own_dir = report_dir is None
    report_dir = Path(report_dir or tempfile.mkdtemp(prefix="pc-fuzz-"))
    command = [
        st_binary(), "--config-file", str(CONFIG), "run", str(SPEC),
        "--url", base_url, "-H", f"Authorization: Bearer {token}",
        "--checks", "all", "--exclude-checks", ",".join(EXCLUDED_CHECKS),
        "--max-examples", str(max_examples), "--max-time", str(max_time),
        "--workers", str(workers), "--request-timeout", "30",
        "--report", "json,ndjson", "--report-dir", str(report_dir),
    ]
    if seed is not None:
        command += ["--seed", str(seed)]
    started = time.monotonic()
    # Bounded twice: schemathesis' own --max-time, and a hard timeout on the process.
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=max_time + 180)
    try:
        return summarize(report_dir, result, time.monotonic() - started)
    finally:
        if own_dir:
            shutil.rmtree(report_dir, ignore_errors=True)


def summarize(report_dir: Path, result: subprocess.CompletedProcess, wall: float) -> dict:
    reports = sorted(report_dir.glob("json-*.json"))
    if not reports:
        raise RuntimeError(f"schemathesis wrote no report (exit {result.returncode}):\n"
                           f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    report = json.loads(reports[-1].read_text())
    statuses: Counter = Counter()
    responses = 0
    server_errors: list[dict] = []
    failures: list[dict] = []
    for ndjson in sorted(report_dir.glob("ndjson-*.ndjson")):
        with ndjson.open() as handle:
            for line in handle:
                event = json.loads(line).get("ScenarioFinished")
                if not event:
                    continue
                recorder = event["recorder"]
                cases = recorder.get("cases", {})
                for case_id, interaction in (recorder.get("interactions") or {}).items():
                    response = interaction.get("response")
                    if not response:
                        continue
                    responses += 1
                    status = response["status_code"]
                    statuses[status // 100 * 100] += 1
                    if status >= 500:
                        server_errors.append(_describe(recorder["label"], cases.get(case_id), response))
                for case_id, checks in (recorder.get("checks") or {}).items():
                    for check in checks:
                        if check.get("status") == "failure":
                            interaction = (recorder.get("interactions") or {}).get(case_id) or {}
                            failures.append({"check": check["name"],
                                             **_describe(recorder["label"], cases.get(case_id),
                                                         interaction.get("response"))})
    failure_counts = Counter(item["check"] for item in failures)
    return {
        "schemathesis": report["schemathesis_version"],
        "seed": report["seed"],
        "exit_code": result.returncode,
        "running_time_s": round(report["running_time"], 1),
        "wall_s": round(wall, 1),
        "stop_reason": report.get("stop_reason"),
        "operations": report["operations"],
        "phases": {name: phase["status"] for name, phase in report["phases"].items()},
        "test_cases": report["test_cases"],
        "responses": responses,
        "responses_by_class": {f"{key // 100}xx": value for key, value in sorted(statuses.items())},
        "server_errors_5xx": len(server_errors),
        "schema_violations": failure_counts.get("response_schema_conformance", 0),
        "failed_checks": dict(failure_counts),
        "failures": _unique(failures)[:20],
        "server_error_examples": _unique(server_errors)[:10],
        "warnings": {key: value for key, value in (report.get("warnings") or {}).items() if value},
    }


def _describe(label: str, case: dict | None, response: dict | None) -> dict:
    value = (case or {}).get("value", {})
    body = None
    if response and response.get("content", {}).get("$base64"):
        body = base64.b64decode(response["content"]["$base64"])[:300].decode("utf-8", "replace")
    return {"operation": label, "method": value.get("method"), "path": value.get("path"),
            "path_parameters": value.get("path_parameters"), "query": value.get("query"),
            "body": json.dumps(value.get("body"), ensure_ascii=False)[:300] if "body" in value else None,
            "status": response and response.get("status_code"), "response": body}


def _unique(items: list[dict]) -> list[dict]:
    seen, unique = set(), []
    for item in items:
        key = (item.get("check"), item["operation"], item.get("status"))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def headline(summary: dict) -> str:
    cases = summary["test_cases"]
    return (f"schemathesis {summary['schemathesis']}: {summary['operations']['tested']}/"
            f"{summary['operations']['total']} operations, {cases['generated']} test cases, "
            f"{summary['responses']} responses {summary['responses_by_class']}, "
            f"{summary['server_errors_5xx']} 5xx, {summary['schema_violations']} schema violations, "
            f"failed checks {summary['failed_checks'] or 'none'} in {summary['running_time_s']} s "
            f"(seed {summary['seed']}, phases {summary['phases']})")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100, help="test cases per operation and phase")
    parser.add_argument("--max-time", type=int, default=300, help="time budget of the run, seconds")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--report-dir", type=Path, default=None, help="keep schemathesis' reports here")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from stackctl import LocalStack

    with LocalStack() as stack:
        token = stack.card_login()
        summary = run(stack.base_url, token, max_examples=args.max_examples, max_time=args.max_time,
                      seed=args.seed, report_dir=args.report_dir)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    print(headline(summary))
    return 0 if not summary["failed_checks"] and summary["server_errors_5xx"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
