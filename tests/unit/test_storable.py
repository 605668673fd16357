import polars as pl

from metrics_pipeline.landing.storable import has_nul, storable_record, storable_text, too_many_integer_digits


def test_nul_and_oversized_amounts_are_found_per_cell():
    frame = pl.DataFrame({"name": ["ok", "n\x00ul", None], "amount": ["99,999,999,999,999.5", "100000000000000", None]})
    found = frame.select(has_nul("name").alias("nul"), too_many_integer_digits("amount", 14).alias("big"))
    assert found.rows() == [(False, False), (True, True), (False, False)]


def test_leading_zeros_do_not_count_as_digits():
    frame = pl.DataFrame({"amount": ["000000000000000001.25"]})
    assert frame.select(too_many_integer_digits("amount", 14)).item() is False


def test_records_become_storable_keys_and_values_alike():
    record = {"na\x00me": ["a\x00", {"b": "\ud800x"}], "n": 3, "none": None}
    assert storable_record(record) == {"na\ufffdme": ["a\ufffd", {"b": "?x"}], "n": 3, "none": None}
    assert storable_text("plain") == "plain"
