"""`make test` on a bare machine (Python 3.11, Node.js with its npm, no browser) installs the Debian
packages of requirements/debian.txt. CI's machine already has them, so the install branch never runs
there: these tests simulate it with `apt-get install -s`, which answers even when every package is
installed, and fail on the conflict that once broke every fresh machine (Debian's npm against the
machine's Node.js)."""
from __future__ import annotations

import os
import re
import subprocess

from support import REPO

SCRIPT = REPO / "tools" / "system_packages.sh"


def listed_packages(path=REPO / "requirements" / "debian.txt") -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def simulate(packages_file=None) -> subprocess.CompletedProcess:
    environment = {**os.environ, **({"PC_DEBIAN_PACKAGES": str(packages_file)} if packages_file else {})}
    return subprocess.run([str(SCRIPT), "--simulate"], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=300)


def test_a_bare_machine_can_install_every_listed_package_without_removing_anything():
    result = simulate()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not re.search(r"^Remv ", result.stdout, re.MULTILINE), output
    assert "Unable to locate package" not in output
    assert {"chromium", "chromium-driver", "fonts-wqy-microhei"} <= set(listed_packages())


def test_the_simulation_refuses_debians_npm_beside_the_machines_nodejs(tmp_path):
    """What the check exists for: with npm back on the install line, the simulation fails as the real
    install did (`nodejs : Conflicts: npm`). The machine's Node.js must be the NodeSource one that
    bundles npm, as on every machine of this kind."""
    nodejs = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "nodejs"], capture_output=True, text=True)
    assert "nodesource" in nodejs.stdout, f"this kind of machine has NodeSource's Node.js, not {nodejs.stdout!r}"
    with_npm = tmp_path / "debian.txt"
    with_npm.write_text("\n".join([*listed_packages(), "npm"]) + "\n")
    result = simulate(with_npm)
    assert result.returncode != 0
    assert "Conflicts: npm" in result.stdout + result.stderr


def test_make_test_installs_the_listed_packages_through_the_one_script():
    dry_run = subprocess.run(["make", "-n", "test"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "tools/system_packages.sh" in dry_run
    assert "apt-get" not in dry_run  # no second install line that could drift from the list
    assert "npm" not in listed_packages() and "nodejs" not in listed_packages()
