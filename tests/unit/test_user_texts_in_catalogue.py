"""Every Chinese text a person meets lives in a catalogue module, under a name that says what it is:
``pensioncert/errors.py`` (errors the app and its API answer), ``pensioncert/labels.py`` (the
domain's other words: SMS, reminders, event kinds, audit details) and ``pensioncert/admin/labels.py``
(the admin's words and messages: its services' and its Dash pages'). Read from the AST, so comments
do not count.

Not counted, each for a stated reason:
- docstrings: they document the code, nobody sees them;
- operators' log calls (``logger.info(...)`` and the like): read by operators in English-speaking
  tooling, never shown to a pensioner or a staff member (none carries Chinese today);
- the local stage (``localstage/``, beside the domain, not scanned): its demo seed people and the
  ID card it draws are test data for a developer, and its banner prints to a developer's terminal.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("pensioncert", "functions", "admin_dash")
CATALOGUES = {"pensioncert/errors.py", "pensioncert/labels.py", "pensioncert/admin/labels.py"}
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
            if relative not in CATALOGUES:
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
    found = [f"{path.relative_to(ROOT).as_posix()}:{line}: {text[:60]!r}"
             for path in scanned_modules() for line, text in chinese_literals(path.read_text("utf-8"), str(path))]
    assert found == [], f"{len(found)} Chinese texts outside the catalogues:\n" + "\n".join(found)


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
