"""Face embeddings are stored as float32 bytes (dal.tables.EmbeddingAttribute), and items written
before as a list of numbers still read."""
import numpy as np
import pytest
from pynamodb.exceptions import AttributeDeserializationError

from pensioncert.dal.tables import AccountTable, EmbeddingAttribute, RegistryPersonTable


def test_a_float32_embedding_round_trips_exactly_in_512_bytes():
    embedding = [float(x) for x in np.random.default_rng(7).normal(0, 0.1, 128).astype(np.float32)]
    stored = EmbeddingAttribute().serialize(embedding)
    assert isinstance(stored, bytes) and len(stored) == 512
    assert EmbeddingAttribute().deserialize(stored) == embedding


def test_an_item_written_with_a_list_of_numbers_still_reads():
    person = RegistryPersonTable.from_raw_data({
        "id_key": {"S": "k1"}, "id_sealed": {"S": "sealed"}, "name": {"S": "王建国"},
        "region": {"S": "西安市"}, "unit": {"S": "某单位"}, "status": {"S": "recipient"},
        "reference_embedding": {"L": [{"N": "0.25"}, {"N": "-1.5"}]},
        "staff_reference_embedding": {"B": EmbeddingAttribute().serialize([0.5, 2.0])},
    })
    assert person.reference_embedding == [0.25, -1.5]
    assert person.staff_reference_embedding == [0.5, 2.0]


def test_an_embedding_of_another_type_is_refused():
    with pytest.raises(AttributeDeserializationError):
        AccountTable.from_raw_data({"user_id": {"S": "u1"}, "reference_embedding": {"S": "0.25,1.5"}})
