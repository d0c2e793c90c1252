"""The identity authority's adapter and the local stage's fake authority, over real HTTP on
loopback: signatures, records by number and name, the pass rule, and an unreachable authority."""
from __future__ import annotations

import threading
import types

import pytest
from support import free_port, unique_id_number

from localstage.fake_authority import Records, make_server
from pensioncert import identity
from pensioncert.identity.http_json import HttpJsonAuthority, sign, signature_valid

KEY = "test-key-0123456789"


@pytest.fixture
def fake():
    records = Records()
    port = free_port()
    server = make_server(port, KEY, records)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield records, f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


def test_records_are_found_by_number_and_name_only(fake):
    records, url = fake
    person = unique_id_number(1950)
    records.enrol(person, "張德明", b"photo")  # held under the simplified name
    authority = HttpJsonAuthority(url, KEY, timeout=5, require_https=False)
    assert authority.has_record(person, "张德明")
    full_width = person.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    assert authority.has_record(full_width, " 张德明 ")  # normalised like any input
    assert not authority.has_record(person, "张德民")
    assert not authority.has_record(unique_id_number(1951), "张德明")


def test_compare_without_a_record_is_no_record(fake):
    _, url = fake
    with pytest.raises(identity.NoAuthorityRecord):
        HttpJsonAuthority(url, KEY, timeout=5, require_https=False).compare(unique_id_number(1950), "张德明", b"\xff\xd8jpeg")


def test_a_wrong_key_is_refused_and_is_an_outage_not_an_answer(fake):
    _, url = fake
    with pytest.raises(identity.AuthorityUnavailable):
        HttpJsonAuthority(url, "another-key", timeout=5, require_https=False).has_record(unique_id_number(1950), "张德明")


def test_an_unreachable_authority_is_an_outage():
    with pytest.raises(identity.AuthorityUnavailable):
        HttpJsonAuthority(f"http://127.0.0.1:{free_port()}", KEY, timeout=2, require_https=False).has_record(unique_id_number(1950), "张德明")


def test_signatures_bind_key_time_and_body():
    body = b'{"id_number": "x"}'
    signature = sign(KEY, "1000", body)
    assert signature_valid(KEY, "1000", body, signature, now=1000)
    assert not signature_valid(KEY, "1000", body + b" ", signature, now=1000)
    assert not signature_valid("other", "1000", body, signature, now=1000)
    assert not signature_valid(KEY, "1000", body, signature, now=1000 + 301)  # stale: a replay
    assert not signature_valid(KEY, "not-a-time", body, signature, now=1000)


def test_the_pass_rule_is_the_agreed_threshold_inclusive():
    settings = types.SimpleNamespace(identity_authority_pass_score=0.62)
    assert identity.passes(settings, 0.62) and not identity.passes(settings, 0.6199)


def test_no_adapter_without_settings_and_none_when_switched_off():
    off = types.SimpleNamespace(identity_authority="none")
    assert identity.get_authority(off) is None
    with pytest.raises(ValueError):
        identity.get_authority(types.SimpleNamespace(identity_authority="http", identity_authority_url="", is_local=True,
                                                     identity_authority_key=None,
                                                     identity_authority_timeout_seconds=5))
