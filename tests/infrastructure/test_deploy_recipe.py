"""`make deploy` builds, pushes and passes to the stack both images the template asks for (the vision
function's and the admin's), read from make's dry run: no Docker or AWS account is needed to check it."""
from __future__ import annotations

import re
import subprocess

from support import REPO


def test_make_deploy_builds_pushes_and_passes_the_vision_and_the_admin_image():
    dry_run = subprocess.run(["make", "-n", "deploy", "DEPLOY_BUCKET=artefacts", "VISION_TAG=abc1234"],
                             cwd=REPO, capture_output=True, text=True, check=True).stdout
    for repo, dockerfile in (("pensioncert-vision", "vision"), ("pensioncert-admin", "admin")):
        assert f"-f infra/{dockerfile}.Dockerfile -t {repo}:abc1234 ." in dry_run
    assert "for repo in pensioncert-vision pensioncert-admin; do" in dry_run
    assert re.search(r"docker push \S+/\$repo:abc1234", dry_run)
    assert re.search(r"VisionImageUri=\S+/pensioncert-vision:abc1234", dry_run)
    assert re.search(r"AdminImageUri=\S+/pensioncert-admin:abc1234", dry_run)
