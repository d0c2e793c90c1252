"""The event import's CSV path in batches (issue 22): one transaction of conditional puts per batch
of rows, one read per person and batch for the effects. It must store what importing the rows one
at a time stores (the same CSV, ``batch_rows=1``), report a bad row with its line while its batch
neighbours are stored, add nothing when run again, and lose nothing when DynamoDB leaves part of a
request unprocessed (a BatchGetItem's UnprocessedKeys, a transaction cancelled by throttling)."""
from __future__ import annotations

import io
import json

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from support import unique_id_number

from pensioncert.dal import certifications, life_events, registry
from pensioncert.dal.life_tables import LifeEventTable, LifeStatusTable
from pensioncert.dal.tables import RegistryPersonTable
from pensioncert.logic import event_import
from pensioncert.logic.certification import record_certification
from pensioncert.logic.event_import import BATCH_ROWS, TRANSACTION_ROWS, import_events
from pensioncert.logic.registry_import import import_registry
from pensioncert.repositories.confirmations import PENDING

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
EVENTS = "id_number,name,event_type,event_date,source,source_ref\n"
REGION, UNIT = "批量市", "批量单位"
PEOPLE = {"rides": ("李秀英", "recipient"), "strong": ("王德明", "recipient"), "app": ("赵桂兰", "recipient"),
          "prison": ("孙志强", "recipient"), "abroad": ("周丽华", "recipient"), "dies_late": ("吴建国", "recipient"),
          "dies_first": ("郑美玲", "recipient"), "halted": ("冯志明", "suspended"), "earlier": ("陈淑珍", "recipient"),
          "last_year": ("褚文华", "recipient")}
# {label}: that person's ID number; {ref}: the run's prefix of source_ref (each run its own events).
# Within one batch a person's rows interact: rides in one month then another (recorded, then
# certified), a certification then more proof, a status stop before proof, an exit and a return, a
# death before or after proof, a duplicate reference, and bad rows between them.
TEMPLATE = """\
{rides},李秀英,transit_ride,2026-01-05,公交集团,{ref}01
{rides},李秀英,transit_ride,2026-01-20,公交集团,{ref}02
{strong},王德明,medical_settlement,2026-01-07,第一医院,{ref}03
{strong},王德明,bank_counter,2026-02-11,中国银行,{ref}04
{strong},王德明,bank_counter,2026-13-01,中国银行,{ref}05
{app},赵桂兰,transit_ride,2026-01-09,公交集团,{ref}06
{prison},孙志强,imprisonment,2026-01-10,监狱管理局,{ref}07
{unknown},无此人,bank_counter,2026-02-01,中国银行,{ref}08
{prison},孙志强,medical_settlement,2026-02-12,第一医院,{ref}09
{rides},李秀英,transit_ride,2026-02-10,公交集团,{ref}10
{abroad},周丽华,exit_abroad,2026-01-15,出入境管理局,{ref}11
{strong},王德明错,bank_counter,2026-02-13,中国银行,{ref}12
{abroad},周丽华,return_home,2026-02-01,出入境管理局,{ref}13
{dies_late},吴建国,medical_settlement,2026-01-21,第一医院,{ref}14
{dies_late},吴建国,death_record,2026-02-02,民政局,{ref}15
{dies_first},郑美玲,death_record,2026-01-30,民政局,{ref}16
{dies_first},郑美玲,bank_counter,2026-02-05,中国银行,{ref}17
{halted},冯志明,medical_settlement,2026-01-22,第一医院,{ref}18
{earlier},陈淑珍,transit_ride,2026-02-03,公交集团,{ref}19
{rides},李秀英,transit_ride,2026-01-05,公交集团,{ref}01
{last_year},褚文华,bank_counter,2025-11-03,中国银行,{ref}20
{last_year},褚文华,picnic,2026-01-03,公园,{ref}21
{app},赵桂兰,civil_affairs_visit,2026-02-14,民政局,{ref}22
{last_year},褚文华,transit_ride,2026-02-16,公交集团,
"""


def registered(svc) -> dict[str, str]:
    """A fresh set of the people above (their own ID numbers), with what precedes the compared
    import: one certified by the app's way, one with a ride imported last month."""
    ids = {label: unique_id_number(1948) for label in PEOPLE}
    rows = "".join(f"{ids[label]},{name},{REGION},{UNIT},{status},,,\n" for label, (name, status) in PEOPLE.items())
    assert import_registry(svc, HEADER + rows, None, None).errors == []
    record_certification(svc, svc.vault.lookup("id", ids["app"]), 2026, "agency", "窗口", REGION, UNIT)
    before = import_events(svc, io.StringIO(EVENTS + f"{ids['earlier']},陈淑珍,transit_ride,2026-01-03,公交集团,"
                                                     f"{ids['earlier']}-previous\n"))
    assert before.written == 1 and before.error_count == 0
    return ids


def csv_for(ids: dict[str, str], ref: str) -> str:
    return EVENTS + TEMPLATE.format(ref=ref, unknown=unique_id_number(1950), **ids)


def stored(svc, ids: dict[str, str], ref: str) -> dict:
    """Everything the import keeps about each person, without what names the run (keys, ids,
    the reference prefix, times of writing)."""
    pending = svc.confirmations.with_state(PENDING, REGION)
    kept = {}
    for label, number in ids.items():
        key = svc.vault.lookup("id", number)
        certification = certifications.for_year(key, 2026)
        person = registry.get_person(key)
        assert person is not None
        kept[label] = {
            "events": sorted((e.event_type, e.event_date, e.source, e.source_ref.removeprefix(ref), e.region,
                              e.imported_by, e.file) for e in life_events.events_of(key)
                             if not e.source_ref.endswith("-previous")),
            "certification": certification and (certification.method, certification.operator, certification.region,
                                                certification.unit, json.loads(certification.evidence or "null")),
            "status": (person.status, person.corrected_status),
            "items": sorted((i.item, i.state, i.since, i.until, i.reason, i.months, i.list_key)
                            for i in LifeStatusTable.query(key)),
            "confirmations": sorted((c.kind, c.detail) for c in pending if c.subject_key == key),
        }
    return kept


def test_batches_store_what_the_rows_one_by_one_store(svc, monkeypatch):
    """Row by row; batches of 4; one batch of the whole file; and that batch written in
    transactions of 3 rows."""
    runs = {}
    for batch_rows, transaction_rows in ((1, TRANSACTION_ROWS), (4, TRANSACTION_ROWS),
                                         (BATCH_ROWS, TRANSACTION_ROWS), (BATCH_ROWS, 3)):
        monkeypatch.setattr(event_import, "TRANSACTION_ROWS", transaction_rows)
        ids, ref = registered(svc), f"B{batch_rows}-{unique_id_number()[-6:]}-"
        report = import_events(svc, io.StringIO(csv_for(ids, ref)), file="feed.csv", batch_rows=batch_rows)
        runs[batch_rows, transaction_rows] = (report.as_dict(), stored(svc, ids, ref))
    one_by_one, state = runs[1, TRANSACTION_ROWS]
    # The reference run is what the rules say (so a wrong row-by-row path is not the yardstick).
    assert one_by_one["rows"] == 24 and one_by_one["written"] == 18 and one_by_one["unchanged"] == 1
    assert [(e["line"], e["field"]) for e in one_by_one["errors"]] == [
        (6, "event_date"), (9, "id_number"), (13, "name"), (23, "event_type"), (25, "source_ref")]
    assert one_by_one["outcomes"] == {"already_certified": 3, "certified": 5, "death_pending_confirmation": 2,
                                      "deceased": 1, "flagged": 1, "not_recipient": 2, "recorded": 3,
                                      "suspended": 1}
    assert state["rides"]["certification"][4] == [
        {"date": "2026-01-05", "source": "公交集团", "event_type": "transit_ride"},
        {"date": "2026-01-20", "source": "公交集团", "event_type": "transit_ride"},
        {"date": "2026-02-10", "source": "公交集团", "event_type": "transit_ride"}]
    assert state["prison"]["certification"] is None and state["prison"]["status"][1] == "suspended"
    assert state["dies_late"]["certification"] is not None and state["dies_first"]["certification"] is None
    assert [item[:2] for item in state["abroad"]["items"]] == [("flag#exit_abroad", "closed")]
    for run, answer in runs.items():
        assert answer == runs[1, TRANSACTION_ROWS], run


@pytest.fixture
def pair(svc):
    ids = {label: unique_id_number(1951) for label in ("a", "b")}
    rows = f"{ids['a']},蒋春梅,{REGION},{UNIT},recipient,,,\n{ids['b']},沈国强,{REGION},{UNIT},recipient,,,\n"
    assert import_registry(svc, HEADER + rows, None, None).errors == []
    return ids


def test_a_bad_row_inside_a_batch_is_reported_and_its_neighbours_are_stored(svc, pair):
    ref = f"N{unique_id_number()[-8:]}-"
    rows = (f"{pair['a']},蒋春梅,transit_ride,2026-01-04,公交集团,{ref}1\n"
            f"{pair['b']},沈国强,bank_counter,2026-02-30,中国银行,{ref}2\n"   # line 3: no such day
            f"{pair['b']},沈国强错,bank_counter,2026-02-03,中国银行,{ref}3\n"  # line 4: not the name on record
            f"{pair['b']},沈国强,bank_counter,2026-02-04,中国银行,{ref}4\n"
            f"{pair['a']},蒋春梅,transit_ride,2026-02-04,公交集团,{ref}5\n")
    report = import_events(svc, io.StringIO(EVENTS + rows))
    assert [(e.line, e.field) for e in report.errors] == [(3, "event_date"), (4, "name")]
    assert report.rows == 5 and report.written == 3 and report.outcomes == {"certified": 2, "recorded": 1}
    assert [e.source_ref for e in life_events.events_of(svc.vault.lookup("id", pair["b"]))] == [f"{ref}4"]
    assert sorted(e.source_ref for e in life_events.events_of(svc.vault.lookup("id", pair["a"]))) == [
        f"{ref}1", f"{ref}5"]


def test_a_rerun_adds_nothing_and_changes_nothing(svc):
    ids = registered(svc)
    ref = f"R{unique_id_number()[-8:]}-"
    feed = csv_for(ids, ref)
    first = import_events(svc, io.StringIO(feed), file="feed.csv")
    keys = [svc.vault.lookup("id", number) for number in ids.values()]
    events = {key: [e.attribute_values for e in life_events.events_of(key)] for key in keys}
    kept = stored(svc, ids, ref)
    svc.clock.advance(hours=3)
    again = import_events(svc, io.StringIO(feed), file="again.csv")
    assert again.written == 0 and again.outcomes == {}
    assert again.unchanged == first.written + first.unchanged
    assert [vars(e) for e in again.errors] == [vars(e) for e in first.errors]
    assert {key: [e.attribute_values for e in life_events.events_of(key)] for key in keys} == events
    assert stored(svc, ids, ref) == kept


def test_what_dynamodb_leaves_unprocessed_is_sent_again(svc, pair, monkeypatch):
    """One BatchGetItem of the registry answers half its keys as UnprocessedKeys, and the batch's
    transaction is first cancelled for throttling: both are sent again, every row stored once."""
    registry_table, events_table = RegistryPersonTable.Meta.table_name, LifeEventTable.Meta.table_name
    real = BaseClient._make_api_call
    injected = {"unprocessed": 0, "throttled": 0}

    def flaky(client, operation, params):
        if operation == "BatchGetItem" and registry_table in params["RequestItems"] and not injected["unprocessed"]:
            request = params["RequestItems"][registry_table]
            keys = request["Keys"]
            assert len(keys) == 2
            injected["unprocessed"] += 1
            answer = real(client, operation, {**params, "RequestItems": {registry_table: {**request, "Keys": keys[:1]}}})
            answer["UnprocessedKeys"] = {registry_table: {**request, "Keys": keys[1:]}}
            return answer
        if (operation == "TransactWriteItems" and not injected["throttled"]
                and any(events_table in json.dumps(item) for item in params["TransactItems"])):
            injected["throttled"] += 1
            raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "throttled"},
                               "CancellationReasons": [{"Code": "ThrottlingError"}]
                               + [{"Code": "None"}] * (len(params["TransactItems"]) - 1)}, operation)
        return real(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", flaky)
    ref = f"U{unique_id_number()[-8:]}-"
    report = import_events(svc, io.StringIO(EVENTS + f"{pair['a']},蒋春梅,bank_counter,2026-02-01,中国银行,{ref}1\n"
                                                     f"{pair['b']},沈国强,bank_counter,2026-02-02,中国银行,{ref}2\n"))
    assert injected == {"unprocessed": 1, "throttled": 1}
    assert report.error_count == 0 and report.written == 2 and report.outcomes == {"certified": 2}
    for label in ("a", "b"):
        key = svc.vault.lookup("id", pair[label])
        assert [e.source_ref[-1] for e in life_events.events_of(key)] == ["1" if label == "a" else "2"]
        assert certifications.for_year(key, 2026).method == "data_match"
