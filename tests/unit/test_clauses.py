"""A message cut into the parts that may each tell a problem, in every script."""

import pytest

from seva.clauses import adds, clauses


@pytest.mark.parametrize(
    "text, parts",
    [
        (
            "Two street lights are dead since 3 weeks. Also garbage is lying at the corner of the gali",
            ["two street lights are dead since 3 weeks", "garbage is lying at the corner of the gali"],
        ),
        (
            "naaliyan band h aur kude ka dher bhi pada h",
            ["naaliyan band h", "kude ka dher bhi pada h"],
        ),
        ("नाली बंद है और सड़क पर गड्ढे भी हैं।", ["नाली बंद है", "सड़क पर गड्ढे भी हैं"]),
        ("ਲਾਈਟਾਂ ਬੰਦ ਨੇ। ਨਾਲ ਹੀ ਕੂੜਾ ਵੀ ਪਿਆ ਹੈ", ["ਲਾਈਟਾਂ ਬੰਦ ਨੇ", "ਕੂੜਾ ਵੀ ਪਿਆ ਹੈ"]),
        ("street light not working in gali no 3", ["street light not working in gali no 3"]),
    ],
)
def test_a_message_is_cut_where_it_moves_on(text, parts):
    assert clauses(text) == parts


def test_a_longer_break_is_cut_as_one_and_no_part_is_empty():
    assert clauses("drain is blocked aur bhi bahut kuch. . .") == ["drain is blocked", "bahut kuch"]
    assert clauses("") == [] and clauses("🙏🙏") == []


@pytest.mark.parametrize(
    "part, added",
    [
        ("kude ka dher bhi pada h", True),
        ("ਸੜਕ ਵੀ ਟੁੱਟ ਗਈ ਹੈ", True),
        ("the road is broken as well", True),
        ("रोड पर गड्ढे भी हैं", True),
        ("two street lights are dead", False),
        ("vikas nagar mein paani nahi", False),
    ],
)
def test_a_part_that_adds_to_what_came_before_is_told(part, added):
    assert adds(part) is added
