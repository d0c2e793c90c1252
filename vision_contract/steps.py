"""A liveness step as the app sends it and the vision function reads it: the challenge names and
how many frames a step carries (contract: "3 to 12 frames per challenge")."""
from __future__ import annotations

from typing import Literal, get_args

Challenge = Literal["turn_head", "open_mouth", "blink"]
CHALLENGES: tuple[str, ...] = get_args(Challenge)
MIN_FRAMES, MAX_FRAMES = 3, 12
