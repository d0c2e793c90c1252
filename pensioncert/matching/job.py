"""The matching job, once: the rules of ``rules/life_events.py`` as a sequence of SQL views over
three inputs (``feed``, ``registry``, ``certifications``, formats.py) that DuckDB and Spark SQL
both execute unchanged (engines.py). Only the SQL both dialects share is used: joins, GROUP BY,
CASE, COUNT(DISTINCT), ``row_number()`` windows, ``year()``/``month()``, DATE literals.

What it decides, for the certification ``year`` as of ``today``:

- a row is refused (``rejects``) for no source or reference, an unknown type, no or a future
  date, an ID not in the registry, a region outside the importer's, a name that is neither the
  registry's nor its corrected name; a row delivered twice (same source and source_ref) counts once;
- ``certify``: a recipient not yet certified this year, with no death or imprisonment record,
  whose counting events (proof types, dated in the year, not after a death) reach
  ``POINTS_NEEDED``: strong events their weight each, weak ones one point per calendar month.
  ``evidence`` lists every counting event, as ``data_match.certify_from_events`` does;
- ``deceased``: a death record for a person not yet deceased (the earliest one);
- ``suspended``: an imprisonment record of a living person not already suspended or deceased;
- ``overseas_review``: an exit with no return on or after it (the latest exit);
- ``returned``: a return home on or after the latest exit (closes an open exit flag);
- ``count_pending``: a certification of the year that a write-back stored and never counted on the
  dashboards (a failed run not run again): whatever the feed holds, each run counts what earlier
  runs left, once (effects.py).

A person's stop event and a certification never come from one run: the status changes first, as
it would have row by row.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pensioncert.matching import formats
from pensioncert.rules import life_events as rules


@dataclass(frozen=True)
class MatchParams:
    year: int
    today: date
    # The importer's regions (an operator's); None: every region (the agency, the command line).
    regions: tuple[str, ...] | None = None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in(values) -> str:
    return "(" + ", ".join(_literal(value) for value in values) + ")"


def steps(params: MatchParams) -> list[tuple[str, str]]:
    """(view name, SELECT) in order; each view reads the inputs or the views before it."""
    today = f"DATE '{params.today.isoformat()}'"
    strong = [kind for kind, weight in rules.PROOF.items() if weight == rules.STRONG]
    weak = [kind for kind, weight in rules.PROOF.items() if weight == rules.WEAK]
    strong_points = "CASE " + " ".join(
        f"WHEN event_type = {_literal(kind)} THEN {rules.PROOF[kind]}" for kind in strong) + " ELSE 0 END"
    scope = "TRUE" if params.regions is None else f"r.region IN {_in(params.regions) if params.regions else '(NULL)'}"
    death = _literal("death_record")
    prison = _literal("imprisonment")
    exit_, back = _literal("exit_abroad"), _literal("return_home")
    return [
        ("checked", f"""
SELECT f.id_key, f.name, f.event_type, f.event_date, f.source, f.source_ref, f.source_system, f.month,
       r.region, r.unit, r.status,
       CASE WHEN f.source IS NULL OR f.source = '' OR f.source_ref IS NULL OR f.source_ref = '' THEN 'no_reference'
            WHEN f.event_type IS NULL OR f.event_type NOT IN {_in(rules.EVENT_TYPES)} THEN 'unknown_type'
            WHEN f.event_date IS NULL OR f.event_date > {today} THEN 'bad_date'
            WHEN r.id_key IS NULL THEN 'not_in_registry'
            WHEN NOT ({scope}) THEN 'out_of_scope'
            WHEN f.name IS NULL OR (f.name <> r.name AND (r.corrected_name IS NULL OR f.name <> r.corrected_name))
                 THEN 'name_mismatch'
       END AS reason
FROM feed f LEFT JOIN registry r ON f.id_key = r.id_key"""),
        ("rejects", """
SELECT reason, source_system, month, source_ref, id_key FROM checked WHERE reason IS NOT NULL"""),
        ("events", """
SELECT id_key, event_type, event_date, source, source_ref, region, unit, status FROM (
  SELECT c.*, row_number() OVER (PARTITION BY source, source_ref
                                 ORDER BY id_key, event_date, event_type, source_system, month) AS copy
  FROM checked c WHERE reason IS NULL) delivered
WHERE copy = 1"""),
        ("people", f"""
SELECT id_key, MIN(region) AS region, MIN(unit) AS unit, MIN(status) AS status,
       MIN(CASE WHEN event_type = {death} THEN event_date END) AS died_on,
       MIN(CASE WHEN event_type = {prison} THEN event_date END) AS imprisoned_on,
       MAX(CASE WHEN event_type = {exit_} THEN event_date END) AS left_on,
       MAX(CASE WHEN event_type = {back} THEN event_date END) AS returned_on
FROM events GROUP BY id_key"""),
        ("counting", f"""
SELECT e.id_key, e.event_type, e.event_date, e.source, e.source_ref
FROM events e JOIN people p ON e.id_key = p.id_key
WHERE e.event_type IN {_in(rules.PROOF)} AND year(e.event_date) = {params.year}
  AND (p.died_on IS NULL OR e.event_date <= p.died_on)"""),
        ("points", f"""
SELECT id_key, SUM({strong_points})
       + COUNT(DISTINCT CASE WHEN event_type IN {_in(weak) if weak else "(NULL)"} THEN month(event_date) END)
         * {rules.WEAK} AS points
FROM counting GROUP BY id_key"""),
        ("certified", f"""
SELECT DISTINCT subject_key FROM certifications WHERE year = {params.year}"""),
        ("stop_sources", f"""
SELECT e.id_key, e.event_type, e.event_date, MIN(e.source) AS source
FROM events e JOIN people p ON e.id_key = p.id_key
WHERE (e.event_type = {death} AND e.event_date = p.died_on)
   OR (e.event_type = {prison} AND e.event_date = p.imprisoned_on)
   OR (e.event_type = {exit_} AND e.event_date = p.left_on)
   OR (e.event_type = {back} AND e.event_date = p.returned_on)
GROUP BY e.id_key, e.event_type, e.event_date"""),
        ("decisions", f"""
SELECT p.id_key AS subject_key, {_literal(formats.CERTIFY)} AS decision, CAST(NULL AS DATE) AS event_date,
       CAST(NULL AS STRING) AS event_type, CAST(NULL AS STRING) AS source, p.region, p.unit
FROM people p JOIN points s ON p.id_key = s.id_key LEFT JOIN certified c ON p.id_key = c.subject_key
WHERE s.points >= {rules.POINTS_NEEDED} AND p.status = 'recipient' AND c.subject_key IS NULL
  AND p.died_on IS NULL AND p.imprisoned_on IS NULL
UNION ALL
SELECT p.id_key, {_literal(formats.DECEASED)}, p.died_on, x.event_type, x.source, p.region, p.unit
FROM people p JOIN stop_sources x ON p.id_key = x.id_key AND x.event_type = {death}
WHERE p.status <> 'deceased'
UNION ALL
SELECT p.id_key, {_literal(formats.SUSPENDED)}, p.imprisoned_on, x.event_type, x.source, p.region, p.unit
FROM people p JOIN stop_sources x ON p.id_key = x.id_key AND x.event_type = {prison}
WHERE p.died_on IS NULL AND p.status NOT IN ('deceased', 'suspended')
UNION ALL
SELECT p.id_key, {_literal(formats.OVERSEAS_REVIEW)}, p.left_on, x.event_type, x.source, p.region, p.unit
FROM people p JOIN stop_sources x ON p.id_key = x.id_key AND x.event_type = {exit_}
WHERE p.returned_on IS NULL OR p.returned_on < p.left_on
UNION ALL
SELECT p.id_key, {_literal(formats.RETURNED)}, p.returned_on, x.event_type, x.source, p.region, p.unit
FROM people p JOIN stop_sources x ON p.id_key = x.id_key AND x.event_type = {back}
WHERE p.left_on IS NULL OR p.returned_on >= p.left_on
UNION ALL
SELECT c.subject_key, {_literal(formats.COUNT_PENDING)}, CAST(NULL AS DATE), CAST(NULL AS STRING),
       CAST(NULL AS STRING), r.region, r.unit
FROM certifications c JOIN registry r ON c.subject_key = r.id_key
WHERE c.year = {params.year} AND c.counters_pending AND {scope}"""),
        ("evidence", f"""
SELECT c.id_key AS subject_key, c.event_date, c.event_type, c.source, c.source_ref
FROM counting c JOIN decisions d ON c.id_key = d.subject_key AND d.decision = {_literal(formats.CERTIFY)}"""),
    ]


# Views read by more than one later view or output: kept once (a DuckDB table, a cached Spark
# view) instead of computed again for each reader.
MATERIALISED = ("events", "people", "counting", "decisions")
# The views written out, by file name.
OUTPUT_VIEWS = {formats.DECISIONS: "decisions", formats.EVIDENCE: "evidence", formats.REJECTS: "rejects"}
