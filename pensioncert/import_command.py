"""What `make import` and `make import-events` share: one file argument, the running local stack's
settings (or the PC_* environment of a stage), the report printed as JSON, exit 1 on row errors."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from pensioncert.settings import adopt_running_stack


class Report(Protocol):
    def as_dict(self) -> dict: ...


R = TypeVar("R", bound=Report)


def run(argv: list[str], usage: str, import_path: Callable[[Path], R], failed: Callable[[R], bool]) -> int:
    if len(argv) != 1 or not argv[0]:
        print(f"usage: {usage}", file=sys.stderr)
        return 2
    adopt_running_stack()
    path = Path(argv[0])
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    report = import_path(path)
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    return 1 if failed(report) else 0
