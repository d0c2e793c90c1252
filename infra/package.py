"""Build the deployable artefacts of a stage into one folder (default build/deploy/):

  merge.json       what infra/template.py adds to Chalice's template (tables, bucket, key, secret, vision)
  sam.json         the ONE stack template: `chalice package --merge-template merge.json`
  deployment.zip   the API function's code (Chalice), which sam.json's APIHandler points to
                   (app.py, functions/vendor/'s links and the requirements: never localstage/)
  matching_job.py  the Glue job's script (pensioncert/matching/glue_job.py, unchanged)
  matching_lib.zip the pensioncert package, the Glue job's --extra-py-files

The Glue job reads its two files from S3 (parameters MatchingArtifactBucket, MatchingScriptKey,
MatchingLibraryKey): upload them there before deploying the stack (docs/operations.md).

The vision function is a container image (infra/vision.Dockerfile); its URI is the template's
VisionImageUri parameter, given at deployment (`make deploy`, docs/operations.md).

    python -m infra.package [--stage prod] [OUT_DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from infra.template import DEFAULT_REGION, merge_template, stage_settings

REPO = Path(__file__).resolve().parent.parent
# The API function's Chalice stage: memory, timeout and Lambda settings of every deployed stage.
CHALICE_STAGE = "prod"


def chalice_executable() -> str:
    return str(Path(sys.executable).parent / "chalice")


def package(out: Path, stage: str = "prod") -> Path:
    """Write merge.json, sam.json and deployment.zip into ``out``; returns the template's path."""
    settings = stage_settings(stage)
    out = out.resolve()  # chalice runs in functions/
    out.mkdir(parents=True, exist_ok=True)
    merge = out / "merge.json"
    merge.write_text(json.dumps(merge_template(settings), indent=2, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    # chalice writes into an empty folder; build beside and move, so `out` keeps merge.json.
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        built = Path(tmp) / "chalice"
        env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", DEFAULT_REGION)}
        result = subprocess.run(
            [chalice_executable(), "package", "--stage", CHALICE_STAGE, "--template-format", "json",
             "--merge-template", str(merge), str(built)],
            cwd=REPO / "functions", env=env, capture_output=True, text=True, timeout=900,
        )
        if result.returncode != 0:
            raise RuntimeError(f"chalice package failed:\n{result.stdout}\n{result.stderr}")
        for name in ("sam.json", "deployment.zip"):
            shutil.move(str(built / name), out / name)
    matching_artefacts(out)
    return out / "sam.json"


def matching_artefacts(out: Path) -> tuple[Path, Path]:
    """The Glue job's script and the package it imports (pure Python: Glue has pyarrow and numpy,
    and installs pynamodb from the job's --additional-python-modules)."""
    script = out / "matching_job.py"
    shutil.copyfile(REPO / "pensioncert" / "matching" / "glue_job.py", script)
    library = out / "matching_lib.zip"
    with zipfile.ZipFile(library, "w", zipfile.ZIP_DEFLATED) as archive:
        for source in sorted((REPO / "pensioncert").rglob("*.py")):
            archive.write(source, source.relative_to(REPO).as_posix())
    return script, library


def summary(out: Path) -> str:
    template = json.loads((out / "sam.json").read_text(encoding="utf-8"))
    kinds: dict[str, int] = {}
    for resource in template["Resources"].values():
        kinds[resource["Type"]] = kinds.get(resource["Type"], 0) + 1
    archive = out / "deployment.zip"
    with zipfile.ZipFile(archive) as z:
        unzipped = sum(info.file_size for info in z.infolist())
    lines = [f"{out / 'sam.json'}: {len(template['Resources'])} resources"]
    lines += [f"  {count:3d} × {kind}" for kind, count in sorted(kinds.items())]
    lines.append(f"{archive}: {archive.stat().st_size / 2**20:.1f} MiB zipped, "
                 f"{unzipped / 2**20:.1f} MiB unzipped (API function, python3.11)")
    lines.append(f"{out / 'matching_job.py'} + {out / 'matching_lib.zip'}: the Glue job's script and "
                 "package (upload to MatchingArtifactBucket)")
    lines.append("vision function: container image from infra/vision.Dockerfile "
                 "(parameter VisionImageUri; build and push it with `make vision-image`)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the stack template and the API package.")
    parser.add_argument("out", nargs="?", type=Path, default=REPO / "build" / "deploy")
    parser.add_argument("--stage", default="prod")
    args = parser.parse_args(argv)
    if args.stage == "local":
        parser.error("'local' is the emulated stage; package a deployed stage (prod, staging, ...)")
    package(args.out, args.stage)
    print(summary(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
