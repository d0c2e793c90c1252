"""Every Chinese text a person meets lives in a catalogue module, under a name that says what it is:
``pensioncert/errors.py`` (errors the app and its API answer), ``pensioncert/labels.py`` (the
domain's other words: SMS, reminders, event kinds, audit details) and ``pensioncert/admin/labels.py``
(the admin's words and messages). Read from the AST, so comments do not count.

Not counted, each for a stated reason:
- docstrings: they document the code, nobody sees them;
- operators' log calls (``logger.info(...)`` and the like): read by operators in English-speaking
  tooling, never shown to a pensioner or a staff member (none carries Chinese today);
- the local stage (``devstack.py``, ``demo_cards.py``): its demo seed people and the ID card it
  draws are test data for a developer, and its banner prints to a developer's terminal; it is to
  leave the domain package altogether (issue 21).

Not yet moved: the Dash pages' and components' own layout text (titles, captions, column headers,
placeholders, what a callback says back), 521 texts in 17 modules, listed in ``DASH_NOT_YET_MOVED``
with the number each holds. A module may only go down (the test names a new text in it), and
leaves the list once empty; no other module may hold one.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("pensioncert", "functions", "admin_dash")
CATALOGUES = {"pensioncert/errors.py", "pensioncert/labels.py", "pensioncert/admin/labels.py"}
LOCAL_STAGE = {"pensioncert/devstack.py", "pensioncert/demo_cards.py"}
DASH_NOT_YET_MOVED = {
    "admin_dash/app.py": 6,
    "admin_dash/components/grid.py": 16,
    "admin_dash/components/login_form.py": 2,
    "admin_dash/components/reports.py": 26,
    "admin_dash/components/shell.py": 3,
    "admin_dash/pages/accounts.py": 43,
    "admin_dash/pages/audit.py": 19,
    "admin_dash/pages/confirmations.py": 30,
    "admin_dash/pages/duplicates.py": 25,
    "admin_dash/pages/events.py": 33,
    "admin_dash/pages/fraud_signals.py": 13,
    "admin_dash/pages/home_visits.py": 59,
    "admin_dash/pages/overseas.py": 41,
    "admin_dash/pages/overview.py": 43,
    "admin_dash/pages/pensioners.py": 76,
    "admin_dash/pages/reviews.py": 39,
    "admin_dash/pages/staff.py": 47,
}
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}
# Han ideographs (CJK Unified, Extension A, Compatibility): a separator such as 、 or （ alone is
# punctuation that joins catalogue texts, not a text of its own.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def scanned_modules() -> list[Path]:
    modules = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/vendor/" in relative:  # symlinks to the same sources, for Chalice's packaging
                continue
            if relative not in CATALOGUES | LOCAL_STAGE:
                modules.append(path)
    return modules


def docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def in_log_calls(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in LOG_METHODS and isinstance(node.func.value, ast.Name)
                and node.func.value.id.lower().endswith(("logger", "log"))):
            found.update(id(inner) for inner in ast.walk(node))
    return found


def chinese_literals(source: str, filename: str) -> list[tuple[int, str]]:
    tree = ast.parse(source, filename)
    exempt = docstrings(tree) | in_log_calls(tree)
    return sorted((node.lineno, node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and HAN.search(node.value) and id(node) not in exempt)


def test_no_chinese_text_outside_the_catalogues():
    found, grown, emptied = [], [], []
    for path in scanned_modules():
        relative = path.relative_to(ROOT).as_posix()
        texts = chinese_literals(path.read_text("utf-8"), str(path))
        allowed = DASH_NOT_YET_MOVED.get(relative, 0)
        if len(texts) > allowed:
            found += [f"{relative}:{line}: {text[:60]!r}" for line, text in texts]
            grown.append(f"{relative}: {len(texts)} texts, {allowed} allowed")
        elif relative in DASH_NOT_YET_MOVED and len(texts) < allowed:
            emptied.append(f"{relative}: {len(texts)} texts now, lower DASH_NOT_YET_MOVED from {allowed}")
    assert not grown, "Chinese texts outside the catalogues:\n" + "\n".join(grown + found)
    assert not emptied, "\n".join(emptied)


@pytest.mark.parametrize("source, expected", [
    ('raise AppError(ErrorCode.BAD_REQUEST, "请填写原因")', [(1, "请填写原因")]),
    ('message = f"第{line}行有误"', [(1, "第"), (1, "行有误")]),
    ('def f():\n    """说明"""\n', []),
    ('logger.warning("导入失败 %s", name)', []),
    ('SEPARATOR = "、"', []),
    ('# 注释\nx = "ok"', []),
])
def test_the_scan_finds_texts_and_skips_what_nobody_reads(source, expected):
    assert chinese_literals(source, "<test>") == expected
