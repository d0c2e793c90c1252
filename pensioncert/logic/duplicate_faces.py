"""One face, one pensioner (issue 22): a 1:N search of new reference templates against every
reference template of the registry; two ID numbers whose faces are the same person by the rules'
face-match threshold go on the agency's review list 同一人脸对应多名待遇人员 (someone registered twice
collects twice).

The threshold is vision's MATCH_THRESHOLD, the one that certifies a live face against a reference
(asked of the vision function: ``VisionClient.match_rule``); similarity = 1 - distance / scale, so
a pair is listed when its templates are at most (1 - threshold) * scale apart. It runs at every
registry import for the references the import set, and nightly (``run_nightly``, pensioncert/jobs)
for every reference set since the last run (staff photos included). Measured in
docs/duplicate-faces.md and bench/duplicate_faces_bench.py.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from pensioncert import labels
from pensioncert.dal import duplicate_faces as duplicates_dal

if TYPE_CHECKING:
    from pensioncert.services import Services

LIST_TITLE = labels.DUPLICATE_FACES_LIST


@dataclass
class DuplicateFaceReport:
    references: int = 0  # templates in the index
    searched: int = 0  # new templates searched against them
    pairs_found: int = 0
    pairs_listed: int = 0  # newly on the list (the rest were listed before)

    def as_dict(self) -> dict:
        return vars(self).copy()


@dataclass(frozen=True)
class FacePair:
    one: duplicates_dal.Person
    other: duplicates_dal.Person
    similarity: float
    sources: tuple[str, str]


def same_face_pairs(templates: list[duplicates_dal.ReferenceTemplate], searched: list[int],
                    threshold: float, distance_scale: float) -> list[FacePair]:
    """The pairs of two different people (ID numbers) among ``templates`` whose faces are the same
    person at ``threshold``, each at least one of them at a position in ``searched``; a pair found
    through several templates (registry and staff photo) once, at its highest similarity."""
    from pensioncert.logic.face_index import FaceIndex

    if not templates or not searched:
        return []
    vectors = np.array([t.template for t in templates], np.float32)
    index = FaceIndex(vectors)
    best: dict[tuple[str, str], FacePair] = {}
    for position, neighbours in zip(searched, index.within(vectors[searched], (1 - threshold) * distance_scale),
                                    strict=True):
        mine = templates[position]
        for neighbour in neighbours:
            theirs = templates[neighbour.position]
            if theirs.person.id_key == mine.person.id_key:
                continue
            one, other = sorted((mine, theirs), key=lambda t: t.person.id_key)
            key = (one.person.id_key, other.person.id_key)
            similarity = max(0.0, 1 - neighbour.distance / distance_scale)
            if key not in best or similarity > best[key].similarity:
                best[key] = FacePair(one.person, other.person, similarity, (one.source, other.source))
    return sorted(best.values(), key=lambda pair: -pair.similarity)


def check(svc: Services, is_new) -> DuplicateFaceReport:
    """Search every template ``is_new(template)`` says is new against all, and list the pairs."""
    threshold, distance_scale = svc.vision.match_rule()
    templates = list(duplicates_dal.reference_templates())
    searched = [position for position, template in enumerate(templates) if is_new(template)]
    pairs = same_face_pairs(templates, searched, threshold, distance_scale)
    now = svc.clock.now()
    listed = sum(duplicates_dal.list_pair(pair.one, pair.other, similarity=pair.similarity,
                                          sources=pair.sources, now=now) for pair in pairs)
    return DuplicateFaceReport(len(templates), len(searched), len(pairs), listed)


def check_new_references(svc: Services, id_keys: Iterable[str]) -> DuplicateFaceReport:
    """At a registry import: the references of the records the import gave a photo."""
    keys = set(id_keys)
    if not keys:
        return DuplicateFaceReport()
    return check(svc, lambda template: template.person.id_key in keys)


def run_nightly(svc: Services) -> DuplicateFaceReport:
    """Every reference set since the last run (all of them at the first run), then the run recorded."""
    since: datetime | None = duplicates_dal.last_run()
    started = svc.clock.now()
    report = check(svc, lambda template: since is None or template.set_at is None or template.set_at >= since)
    duplicates_dal.mark_run(started, report.as_dict())
    return report
