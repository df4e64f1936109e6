"""Complaint numbers typed as people type them are recognised, and only complaint numbers."""

import pytest

from seva.numbering import canonical_number, find_numbers

NUMBER = "PB-PGR-2026-11-02-000123"


@pytest.mark.parametrize(
    "typed",
    [
        "PB-PGR-2026-11-02-000123",
        "status of pb-pgr-2026-11-02-000123 please",
        "pb pgr 2026 11 02 000123",
        "PBPGR20261102000123",
        "PB-PGR-2026-11-02-123",
        "pb-pgr-2026-11-2-123",
        "pgr-2026-11-02-000123",
        "PB PGR 2026-11-02 123",
        "PB/PGR/2026/11/02/123",
        "pb_pgr_2026_11_02_123",
        "2026-11-02-000123",
        "2026/11/02/123",
        "मेरी शिकायत PB-PGR-२०२६-११-०२-१२३ का क्या हुआ",
        "ਮੇਰੀ ਸ਼ਿਕਾਇਤ pb pgr ੨੦੨੬ ੧੧ ੦੨ ੧੨੩ ਦਾ ਕੀ ਬਣਿਆ",
        "complaint no.PB-PGR-2026-11-02-000123.",
    ],
)
def test_every_typed_form_of_a_number_is_recognised(typed):
    assert canonical_number(typed) == NUMBER


@pytest.mark.parametrize(
    "text",
    [
        "call me on 9876543210",
        "the light is off since 2026",
        "gali no 4, house 2026",
        "PB-PGR-2026-13-02-000123",  # no thirteenth month
        "PB-PGR-2026-11-02-000000",
        "20261102000123",  # digits alone could be anything
        "order 2026-11-02",
    ],
)
def test_what_is_not_a_complaint_number_is_not_taken_for_one(text):
    assert canonical_number(text) is None


def test_two_numbers_in_one_message_are_both_found_where_they_were_written():
    text = "pb pgr 2026 11 02 5 and PB-PGR-2026-11-03-000007"
    found = list(find_numbers(text))
    assert [f.number for f in found] == ["PB-PGR-2026-11-02-000005", "PB-PGR-2026-11-03-000007"]
    assert text[found[1].start : found[1].end] == "PB-PGR-2026-11-03-000007"
