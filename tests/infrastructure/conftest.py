"""One deployment build per test session: `python -m infra.package` (what `make package-all` runs)
writes the merged stack template and the API function's zip; every infrastructure test reads them."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import REPO

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the infra package (python -m infra.* runs from the root)


@pytest.fixture(scope="session")
def deploy_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("deploy")
    result = subprocess.run([sys.executable, "-m", "infra.package", "--stage", "prod", str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="session")
def template(deploy_dir) -> dict:
    return json.loads((deploy_dir / "sam.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def package(deploy_dir, tmp_path_factory) -> Path:
    """The API function's deployment.zip, unpacked."""
    unpacked = tmp_path_factory.mktemp("api-unpacked")
    with zipfile.ZipFile(deploy_dir / "deployment.zip") as archive:
        archive.extractall(unpacked)
    return unpacked
