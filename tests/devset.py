"""Real faces for the genuine paths: the vision dev set (``../shared/vision-devset``, see its README).

A genuine-path test opens its session through the API, takes whatever challenges it drew, and
answers each with a labelled real step of ONE person (``answer``). The registry photo of that
person is the dev set's ``reference/<person>.jpg`` (a frame outside every step). Nothing here
writes into a session: the system only ever sees what its own API produced.

p04 and p06 have labelled steps of all three actions, each from one source recording, so they can
answer any draw. p05's steps come from two recordings (SadTalker's and video-retalking's): a session
answered with both would be two captures spliced together, so ``answer`` takes one person's steps
from a single source file only.
"""
from __future__ import annotations

import base64
import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from support import REPO

DEVSET = REPO.parent / "shared" / "vision-devset"
ALL_ACTIONS = ("p04", "p06")  # the people with a labelled genuine step of every challenge
CHALLENGES = ("turn_head", "open_mouth", "blink")


class DevsetMissing(RuntimeError):
    pass


def root() -> Path:
    """The dev set beside the clone (CI copies ``shared/`` there); a clear failure if it is not."""
    if not (DEVSET / "labels.csv").is_file() or not (DEVSET / "reference").is_dir():
        raise DevsetMissing(
            f"the vision dev set is missing: expected {DEVSET} (with labels.csv, liveness/ and reference/). "
            "It is shared/vision-devset beside the repository clone; copy shared/ next to the clone "
            "(CI does) before running the genuine-path tests and benches.")
    return DEVSET


@dataclass(frozen=True)
class Step:
    """One labelled sequence of labels.csv (a real clip window, or an attack built from one)."""

    kind: str          # genuine | still_replay | held_photo | photo_flip | no_action
    challenge: str
    sequence: str      # e.g. genuine/blink/st-katiehill_1
    source: str        # source_repo + source_path: one recording
    person: str
    notes: str

    @property
    def path(self) -> Path:
        return root() / "liveness" / self.sequence

    def frames(self) -> list[bytes]:
        files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        assert files, f"no frames in {self.path}"
        return [p.read_bytes() for p in files]

    def frames_b64(self) -> list[str]:
        return list(_b64_frames(self.sequence))


@cache
def _b64_frames(sequence: str) -> list[str]:
    step = next(s for s in _labels() if s.sequence == sequence)
    return [base64.b64encode(frame).decode() for frame in step.frames()]


@lru_cache(maxsize=1)
def _labels() -> tuple[Step, ...]:
    with (root() / "labels.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(
            Step(kind=row["kind"], challenge=row["challenge"], sequence=row["sequence"],
                 source=f"{row['source_repo']}/{row['source_path']}", person=row["person"], notes=row["notes"])
            for row in csv.DictReader(handle))


def steps(person: str | None = None, challenge: str | None = None, kind: str = "genuine") -> list[Step]:
    """The labelled sequences of one kind, optionally of one person and one challenge."""
    return [s for s in _labels() if s.kind == kind and (person is None or s.person == person)
            and (challenge is None or s.challenge == challenge)]


def chosen_steps(challenges, person: str) -> list[Step]:
    """The person's own real steps for the drawn challenges, in their order, from one recording
    (the first labelled step of each challenge in that recording)."""
    challenges = list(challenges)
    by_source: dict[str, dict[str, Step]] = {}
    for step in steps(person):
        by_source.setdefault(step.source, {}).setdefault(step.challenge, step)
    for chosen in by_source.values():
        if all(c in chosen for c in challenges):
            return [chosen[c] for c in challenges]
    raise AssertionError(f"{person} has no labelled genuine steps of {challenges} from one recording; "
                         f"use one of {ALL_ACTIONS}")


# The labelled open_mouth and turn_head windows of p04 and p06 overlap in their recordings (the
# same moments, some the same frames): a session answered with both sends one moment as two steps,
# which the API refuses (rules/frames.py). Genuine-path tests open sessions until the draw is
# answerable without that.
SAME_MOMENT = frozenset({"open_mouth", "turn_head"})


def answerable(challenges) -> bool:
    """Whether the dev set's people of every action answer this draw with distinct moments."""
    return not set(challenges) >= SAME_MOMENT


def answerable_session(open_once: Callable[[], dict], tries: int = 8) -> dict:
    """The first session ``open_once`` opens whose draw is ``answerable`` (a third of draws are not:
    8 in a row would happen once in 6,561 runs, and stays below the daily session cap of 10)."""
    for _ in range(tries):
        session = open_once()
        if answerable(session["challenges"]):
            return session
    raise AssertionError(f"{tries} draws in a row held open_mouth and turn_head")


def answer(challenges, person: str) -> list[dict]:
    """The ``steps`` body answering the drawn challenges with the person's real steps."""
    return [{"challenge": s.challenge, "frames": s.frames_b64()} for s in chosen_steps(challenges, person)]


def attack(kind: str, person: str) -> Step:
    """The first labelled attack of that kind (still_replay, held_photo, photo_flip, no_action) made
    from the person's footage."""
    found = steps(person, kind=kind)
    assert found, f"the dev set has no {kind} attack of {person}"
    return found[0]


def reference_dir() -> Path:
    """The folder of registry photos: a registry CSV beside it names ``<person>.jpg``."""
    return root() / "reference"


def reference_photo(person: str) -> Path:
    path = reference_dir() / f"{person}.jpg"
    assert path.is_file(), f"no reference photo for {person} in {reference_dir()}"
    return path


def copy_reference_photos(folder: Path, people) -> None:
    """Put the people's reference photos beside a registry CSV written to ``folder``."""
    for person in set(people):
        (folder / f"{person}.jpg").write_bytes(reference_photo(person).read_bytes())


def id_card_image(person: str, *, name: str, id_number: str) -> bytes:
    """The ID card front (JPEG) the person shows at real-name binding: a drawn card (never a real one,
    localstage.demo_cards) printing the claimed name and number, with the person's reference photo
    as its portrait. The one place tests make ID-card images."""
    from localstage.demo_cards import draw_card

    return draw_card(name, id_number, reference_photo(person))


def id_card_b64(person: str, **card) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(id_card_image(person, **card)).decode()


def repeated_frame_b64(person: str, count: int = 5) -> list[str]:
    """One still (the person's reference photo) as every frame: a static replay."""
    return [base64.b64encode(reference_photo(person).read_bytes()).decode()] * count
