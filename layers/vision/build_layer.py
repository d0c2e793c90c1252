"""Build the vision Lambda layer: `python layers/vision/build_layer.py [OUT.zip]` (default build/vision-layer.zip).

Layout (Lambda mounts a layer at /opt): python/ (site-packages for the python3.12 runtime on
Amazon Linux 2023, manylinux_2_28 x86_64 wheels, incl. the vision package) and models/ (build_models.RUNTIME_FILES,
incl. the embedder converted to ONNX, not the .dat it was converted from; the package looks in /opt/models). Prints the unzipped size against Lambda's 250 MB.
"""

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import build_models

HERE = Path(__file__).resolve().parent
REPO = build_models.REPO
DEFAULT_OUT = REPO / "build" / "vision-layer.zip"
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
# pip does not widen an explicit --platform to older glibc tags, so every tag glibc 2.34 (AL2023) accepts is listed.
PLATFORMS = tuple(f"manylinux_2_{v}_x86_64" for v in range(34, 16, -1)) + ("manylinux2014_x86_64",)
# Not needed at run time in the layer: tests, caches, type stubs.
PRUNE_DIRS = {"__pycache__", "tests", "testing"}
# LiteRT's WebGPU accelerator (19 MB) is loaded only when a GPU delegate is asked for; Lambda has no GPU.
PRUNE_FILES = ("ai_edge_litert/libLiteRtWebGpuAccelerator.so",)


def _tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def build(out: Path = DEFAULT_OUT) -> tuple[Path, int]:
    models = build_models.build()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site = root / "python"
        plat = [a for p in PLATFORMS for a in ("--platform", p)]
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
             "--target", str(site), "--implementation", "cp", "--python-version", "3.12", "--only-binary=:all:",
             *plat, "-r", str(HERE / "requirements.txt")],
            check=True,
        )
        for package in (HERE / "vision", REPO / "vision_contract"):  # the function's code, and what it shares with the API
            shutil.copytree(package, site / package.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for d in sorted(site.rglob("*"), reverse=True):
            if d.is_dir() and d.name in PRUNE_DIRS and "vision" not in d.relative_to(site).parts[:1]:
                shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(site / "bin", ignore_errors=True)
        for rel in PRUNE_FILES:
            (site / rel).unlink(missing_ok=True)
        (root / "models").mkdir()
        for name in build_models.RUNTIME_FILES:
            shutil.copy2(models / name, root / "models" / name)
        size = _tree_size(root)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp_zip = out.with_suffix(".zip.tmp")
        with zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for p in sorted(root.rglob("*")):
                if p.is_file():
                    z.write(p, p.relative_to(root).as_posix())
        tmp_zip.replace(out)
    return out, size


if __name__ == "__main__":
    out, size = build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
    verdict = "within" if size <= LAMBDA_UNZIPPED_LIMIT else "OVER"
    print(f"{out}: zipped {out.stat().st_size / 2**20:.1f} MiB, unzipped {size / 2**20:.1f} MiB "
          f"({size} bytes), {verdict} Lambda's 250 MB unzipped limit")
