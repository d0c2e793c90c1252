"""Synthetic registry and life-event feeds at any size (issue 22): N registry people (regions of
Shaanxi weighted by population, birth years 1930-1966, statuses, a share already certified this
year; no faces) and M events (the feed systems' mixes, months of the year, exact duplicates,
people outside the registry, bad rows), written as the matching job reads them
(pensioncert/matching/formats.py):

- ``<out>/registry.parquet`` and ``<out>/certifications.parquet``: the registry snapshot;
- ``<out>/feed/source_system=<system>/month=<YYYY-MM>/part-<chunk>.parquet``: the feed.

Generated with numpy and pyarrow compute in chunks (no Python loop per row), so 30 million events
take a minute or two and memory stays at one chunk. Deterministic for a seed.

    python bench/feed_generator.py OUT --people 100000 --events 300000 [--seed 7]

``id_numbers=True`` (small sizes) also gives each person a valid 18-digit ID number and writes
``registry.csv`` and ``events.csv`` for ``make import`` / ``make import-events``; the keys are then
whatever ``key_of`` (the stack's ``vault.lookup``) makes of them.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pensioncert.matching.formats import CERTIFICATIONS_SCHEMA, FEED_SCHEMA, REGISTRY_SCHEMA

# Shaanxi's cities with their share of retirees (roughly their population), and their ID-number codes.
REGIONS = {"西安市": (0.33, "610113"), "宝鸡市": (0.09, "610303"), "咸阳市": (0.11, "610402"),
           "渭南市": (0.12, "610502"), "延安市": (0.06, "610602"), "汉中市": (0.09, "610702"),
           "榆林市": (0.09, "610802"), "安康市": (0.07, "610902"), "商洛市": (0.04, "611002")}
UNITS = ("机关事务中心", "国营纺织厂", "铁路局", "电力公司", "第一中学", "人民医院", "机械厂", "供销社")
STATUSES = {"recipient": 0.93, "suspended": 0.02, "deceased": 0.03, "not_recipient": 0.02}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "秀英桂兰德明志强建华淑珍玉梅文华春花海军国庆凤英金山永红丽娟宝华福生玉兰建国"
# Each feed system: its event types with their weights, its institutions, its share of all rows.
SYSTEMS = {
    "medical_insurance": (0.30, {"medical_settlement": 1.0}, ("第一医院", "中心医院", "中医医院", "社区卫生服务中心")),
    "transit": (0.55, {"transit_ride": 1.0}, ("公交集团", "地铁运营公司")),
    "bank": (0.09, {"bank_counter": 1.0}, ("中国银行", "工商银行", "农村信用社", "邮政储蓄银行")),
    "civil_affairs": (0.035, {"civil_affairs_visit": 0.85, "death_record": 0.15}, ("民政局", "公安分局")),
    "border": (0.02, {"exit_abroad": 0.5, "return_home": 0.5}, ("咸阳机场边检站", "西安火车站边检站")),
    "justice": (0.005, {"imprisonment": 1.0}, ("中级人民法院", "监狱管理局")),
}
CERTIFIED_SHARE = 0.6      # recipients already certified this year when the feed arrives
LAST_YEAR_SHARE = 0.97     # recipients certified last year (the rest are due a suspension)
PENDING_SHARE = 0.05       # this year's data-match certifications a failed write-back left uncounted
OUTSIDE_SHARE = 0.03       # rows about people not in the registry
DUPLICATE_SHARE = 0.01     # rows delivered twice (same source and source_ref)
BAD_SHARE = 0.005          # rows a checker refuses: unknown type, future date, wrong name, no reference
CHUNK = 2_000_000


@dataclass(frozen=True)
class Generated:
    people: int
    events: int
    out: Path


def generate(out: Path, people: int, events: int, *, year: int, today: date, seed: int = 7,
             id_numbers: bool = False, key_of: Callable[[str], str] | None = None) -> Generated:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    registry = _registry(rng, people, id_numbers, key_of)
    pq.write_table(registry.drop_columns(["id_number"]), out / "registry.parquet")
    pq.write_table(_certifications(rng, registry, year), out / "certifications.parquet")
    written = 0
    for chunk, start in enumerate(range(0, events, CHUNK)):
        rows = _events(np.random.default_rng([seed, chunk]), registry, min(CHUNK, events - start), start,
                       year=year, today=today)
        _write_feed(out / "feed", rows, chunk)
        written += rows.num_rows
        if id_numbers:
            _write_csv(out, registry, rows, first=chunk == 0)
    if id_numbers:
        _registry_csv(out / "registry.csv", registry)
    return Generated(people, written, out)


def _choice(rng, options: dict, size: int) -> np.ndarray:
    weights = np.array([w[0] if isinstance(w, tuple) else w for w in options.values()], dtype=float)
    return rng.choice(len(options), size=size, p=weights / weights.sum())


def _registry(rng, size: int, id_numbers: bool, key_of) -> pa.Table:
    regions = np.array(list(REGIONS))
    region_index = _choice(rng, REGIONS, size)
    # Birth years 1930-1966, more of the younger cohorts (more of them are alive).
    years = np.arange(1930, 1967)
    weights = np.linspace(0.3, 1.0, len(years))
    born = rng.choice(years, size=size, p=weights / weights.sum())
    status = np.array(list(STATUSES))[_choice(rng, STATUSES, size)]
    names = pc.binary_join_element_wise(
        pa.array(np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), size)]),
        pa.array(np.array(list(GIVEN))[rng.integers(0, len(GIVEN), size)]),
        pa.array(np.array(list(GIVEN))[rng.integers(0, len(GIVEN), size)]), "")
    if id_numbers:
        numbers = [_id_number(REGIONS[regions[r]][1], int(b), i) for i, (r, b) in enumerate(zip(region_index, born))]
        keys = pa.array([key_of(n) if key_of else "k" + n for n in numbers])
        id_column = pa.array(numbers)
    else:
        keys = pc.binary_join_element_wise("p", pc.utf8_lpad(pa.array(np.arange(size)).cast(pa.string()), 10, "0"), "")
        id_column = pa.nulls(size, pa.string())
    units = np.array(UNITS)[rng.integers(0, len(UNITS), size)]
    region_names = regions[region_index]
    return pa.table({
        "id_key": keys, "id_number": id_column, "name": names, "corrected_name": pa.nulls(size, pa.string()),
        "region": pa.array(region_names), "unit": pc.binary_join_element_wise(pa.array(region_names), pa.array(units), ""),
        "status": pa.array(status),
        # Most came into the registry years ago; some this year (they owe no certification for last year).
        "first_imported": pa.array(np.datetime64("2000-01-01") + rng.integers(0, 9800, size).astype("timedelta64[D]")),
        "birth_year": pa.array(born.astype(np.int16)),
    }).cast(_registry_schema_with_extras())


def _registry_schema_with_extras() -> pa.Schema:
    fields = list(REGISTRY_SCHEMA)
    fields.insert(1, pa.field("id_number", pa.string()))
    return pa.schema([*fields, pa.field("birth_year", pa.int16())])


def _id_number(code: str, born: int, serial: int) -> str:
    base = f"{code}{born}{1 + serial % 12:02d}{1 + serial // 12 % 28:02d}{serial // 336 % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return base + "10X98765432"[sum(int(d) * w for d, w in zip(base, weights)) % 11]


def _certifications(rng, registry: pa.Table, year: int) -> pa.Table:
    """This year's so far (``CERTIFIED_SHARE`` of recipients) and last year's (``LAST_YEAR_SHARE``);
    ``PENDING_SHARE`` of this year's by data matching with their dashboard counters never moved."""
    recipient = pc.equal(registry["status"], "recipient").to_numpy(zero_copy_only=False)
    parts = []
    for in_year, share in ((year, CERTIFIED_SHARE), (year - 1, LAST_YEAR_SHARE)):
        keys = registry["id_key"].filter(pa.array(recipient & (rng.random(registry.num_rows) < share)))
        methods = np.array(["app", "proxy_app", "home_visit", "agency", "data_match"])[
            rng.choice(5, len(keys), p=[0.55, 0.12, 0.04, 0.09, 0.2])]
        pending = (methods == "data_match") & (rng.random(len(keys)) < PENDING_SHARE) & (in_year == year)
        parts.append(pa.table({"subject_key": keys, "year": pa.array(np.full(len(keys), in_year, np.int32)),
                               "method": pa.array(methods), "counters_pending": pa.array(pending)},
                              schema=CERTIFICATIONS_SCHEMA))
    return pa.concat_tables(parts)


def _events(rng, registry: pa.Table, size: int, start: int, *, year: int, today: date) -> pa.Table:
    systems = list(SYSTEMS)
    system_index = _choice(rng, {s: v[0] for s, v in SYSTEMS.items()}, size)
    event_type = np.empty(size, dtype=object)
    source = np.empty(size, dtype=object)
    for i, name in enumerate(systems):
        where = np.flatnonzero(system_index == i)
        _, types, places = SYSTEMS[name]
        event_type[where] = np.array(list(types))[_choice(rng, types, len(where))]
        source[where] = np.array(places)[rng.integers(0, len(places), len(where))]
    # Who: a skewed draw (a few people ride every week), some not in the registry at all.
    person = np.minimum((rng.pareto(1.2, size) * registry.num_rows / 8).astype(np.int64), registry.num_rows - 1)
    person = rng.permutation(registry.num_rows)[person] if registry.num_rows < 5_000_000 else (person * 7919) % registry.num_rows
    keys = registry["id_key"].take(pa.array(person))
    names = registry["name"].take(pa.array(person))
    outside = rng.random(size) < OUTSIDE_SHARE
    outsider_keys = pc.binary_join_element_wise("x", pc.utf8_lpad(pa.array(start + np.arange(size)).cast(pa.string()), 10, "0"), "")
    keys = pc.if_else(pa.array(outside), outsider_keys, keys)
    # When: a day of this year up to today (one row in twenty from last December).
    first = np.datetime64(date(year, 1, 1))
    span = (np.datetime64(today) - first).astype(int) + 1
    days = first + rng.integers(0, span, size).astype("timedelta64[D]")
    last_year = rng.random(size) < 0.05
    days[last_year] = np.datetime64(date(year - 1, 12, 1)) + rng.integers(0, 31, int(last_year.sum())).astype("timedelta64[D]")
    refs = pc.binary_join_element_wise("R", pc.utf8_lpad(pa.array(start + np.arange(size)).cast(pa.string()), 11, "0"), "")
    table = pa.table({"id_key": keys, "name": names, "event_type": pa.array(event_type, pa.string()),
                      "event_date": pa.array(days.astype("datetime64[D]")), "source": pa.array(source, pa.string()),
                      "source_ref": refs, "source_system": pa.array(np.array(systems)[system_index])})
    table = _spoil(rng, table, today)
    duplicates = rng.random(table.num_rows) < DUPLICATE_SHARE
    table = pa.concat_tables([table, table.filter(pa.array(duplicates))])
    month = pc.strftime(table["event_date"], format="%Y-%m")
    return table.append_column("month", month)


def _spoil(rng, table: pa.Table, today: date) -> pa.Table:
    """Bad rows: a quarter each an unknown type, a date after today, a name that is not the
    registry's, no reference."""
    bad = rng.random(table.num_rows) < BAD_SHARE
    kind = rng.integers(0, 4, table.num_rows)
    which = [pa.array(bad & (kind == k)) for k in range(4)]
    future = pa.scalar(today + timedelta(days=30), pa.date32())
    return table.set_column(2, "event_type", pc.if_else(which[0], "picnic", table["event_type"])) \
        .set_column(3, "event_date", pc.if_else(which[1], future, table["event_date"])) \
        .set_column(1, "name", pc.if_else(which[2], "某某某", table["name"])) \
        .set_column(5, "source_ref", pc.if_else(which[3], pa.scalar(None, pa.string()), table["source_ref"]))


def _write_feed(root: Path, rows: pa.Table, chunk: int) -> None:
    import pyarrow.dataset as ds

    ds.write_dataset(rows.cast(FEED_SCHEMA.append(pa.field("source_system", pa.string())).append(
        pa.field("month", pa.string()))), root, format="parquet",
        partitioning=ds.partitioning(pa.schema([("source_system", pa.string()), ("month", pa.string())]),
                                     flavor="hive"),
        basename_template=f"part-{chunk}-{{i}}.parquet", existing_data_behavior="overwrite_or_ignore")


def _write_csv(out: Path, registry: pa.Table, rows: pa.Table, *, first: bool) -> None:
    """events.csv in the import's format: the ID number back from the registry (outsiders get a
    number of their own that no registry row has)."""
    by_key = dict(zip(registry["id_key"].to_pylist(), registry["id_number"].to_pylist()))
    with (out / "events.csv").open("w" if first else "a", encoding="utf-8") as stream:
        if first:
            stream.write("id_number,name,event_type,event_date,source,source_ref\n")
        for key, name, kind, day, source, ref in zip(*(rows[c].to_pylist() for c in (
                "id_key", "name", "event_type", "event_date", "source", "source_ref"))):
            number = by_key.get(key) or _id_number("610116", 1950, int(key[1:]) % 300_000)
            stream.write(f"{number},{name},{kind},{day.isoformat()},{source},{ref or ''}\n")


def _registry_csv(path: Path, registry: pa.Table) -> None:
    with path.open("w", encoding="utf-8") as stream:
        stream.write("id_number,name,region,unit,status,card_status,card_password,photo\n")
        for number, name, region, unit, status in zip(*(registry[c].to_pylist() for c in (
                "id_number", "name", "region", "unit", "status"))):
            stream.write(f"{number},{name},{region},{unit},{status},,,\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 30))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--id-numbers", action="store_true", help="valid ID numbers and CSV files (small sizes)")
    args = parser.parse_args(argv)
    done = generate(args.out, args.people, args.events, year=args.year, today=args.today, seed=args.seed,
                    id_numbers=args.id_numbers)
    print(f"{done.people} people, {done.events} events in {done.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
