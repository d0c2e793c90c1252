"""What really ships: `chalice package` builds the API function's zip, and that zip alone runs.

The zip comes from the session's one deployment build (conftest.py: `python -m infra.package`)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from support import REPO

VISION_MODULES = ("cv2", "dlib", "ai_edge_litert", "tflite_runtime", "vision", "numpy")


def test_the_zip_holds_every_handler_and_the_shared_domain(package):
    for path in ("app.py", "auth/routes.py", "auth/dev_routes.py", "certify/__init__.py",
                 "query/__init__.py", "pensioncert/logic/accounts.py", "pensioncert/dal/tables.py",
                 "vision_contract/images.py"):
        assert (package / path).is_file(), path


def test_the_api_function_stays_light(package):
    shipped = {entry.name for entry in package.iterdir()}
    assert not shipped & set(VISION_MODULES)


def test_the_local_stage_is_not_shipped(package):
    """localstage/ (make run's emulator, fake authority, demo data, snapshots) is not linked from
    functions/vendor/, and none of its modules is left in the domain package (issue 21)."""
    local_modules = {path.name for path in (REPO / "localstage").glob("*.py")} - {"__init__.py"}
    assert local_modules  # the names to look for are there
    assert not (package / "localstage").exists()
    assert [path for path in (package / "pensioncert").rglob("*.py") if path.name in local_modules] == []


def test_native_wheels_load_on_the_lambda_python311_runtime(package):
    """Amazon Linux 2 has glibc 2.26: every native wheel must be tagged for it, none built here."""
    for wheel in package.glob("*.dist-info/WHEEL"):
        tags = [line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines()
                if line.startswith("Tag:")]
        native = [tag for tag in tags if not tag.endswith("-any")]
        if not native:
            continue
        assert any(_loads_on_glibc_2_26(tag) for tag in native), (wheel.parent.name, native)


def _loads_on_glibc_2_26(tag: str) -> bool:
    platform = tag.split("-")[-1]
    if platform in ("manylinux1_x86_64", "manylinux2010_x86_64", "manylinux2014_x86_64"):
        return True
    if platform.startswith("manylinux_2_"):
        return int(platform.split("_")[2]) <= 26
    return False


def test_the_unzipped_package_imports_alone_and_serves_its_routes(package):
    """A clean interpreter (-I: no site-packages of ours) with only the zip on sys.path."""
    probe = (
        "import sys, json; sys.path.insert(0, sys.argv[1]);"
        "import app; print(json.dumps(sorted("
        "f'{m} {p}' for p, ms in app.app.routes.items() for m in ms)))"
    )
    env = {"PATH": os.environ["PATH"], "PC_STAGE": "prod"}
    result = subprocess.run([sys.executable, "-I", "-c", probe, str(package)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    routes = json.loads(result.stdout)
    assert "POST /auth/login" in routes and "POST /auth/card-login" in routes
    assert not any("/dev/" in route for route in routes)
