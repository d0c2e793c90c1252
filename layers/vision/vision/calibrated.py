"""The liveness constants that separate genuine steps from attacks, as `make calibrate` wrote them.

They are not typed in by hand: vision.calibration measures the dev set, places each threshold by a rule
written in code (calibration.place) and writes calibrated.json beside this file, with the figures behind
every constant. This module only reads that file.
"""

import json
from pathlib import Path

PATH = Path(__file__).with_name("calibrated.json")


def load(path: Path = PATH) -> dict[str, float]:
    """{constant name: value} from the calibration file."""
    data = json.loads(path.read_text())
    return {name: float(c["value"]) for name, c in data["constants"].items()}


CONSTANTS = load()
