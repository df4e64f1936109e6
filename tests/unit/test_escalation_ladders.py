"""Escalation ladders as data: which level an overdue complaint reaches, and when."""

from datetime import datetime, timedelta, timezone

import pytest

from seva.escalation import Ladders, day_of, load_ladders

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
LADDERS = load_ladders()


def test_an_overdue_complaint_goes_up_one_level_once_the_level_below_has_had_its_days():
    first = LADDERS.next_step("pb.jalandhar", "StreetLights", 0, None, NOW)
    assert (first.level.number, first.level.role, first.expected) == (1, "GRO", NOW + timedelta(days=3))
    assert LADDERS.next_step("pb.jalandhar", "StreetLights", 1, NOW, NOW + timedelta(days=2, hours=23)) is None
    second = LADDERS.next_step("pb.jalandhar", "StreetLights", 1, NOW, NOW + timedelta(days=3))
    assert (second.level.number, second.level.role) == (2, "ADMIN")
    assert LADDERS.next_step("pb.jalandhar", "StreetLights", 3, NOW, NOW + timedelta(days=90)) is None


def test_a_city_may_keep_a_ladder_of_its_own_for_a_category():
    garbage = LADDERS.of("pb.amritsar", "Garbage")
    assert garbage[0].days == 1 and garbage[0].title("en") == "the sanitation inspector"
    assert LADDERS.of("pb.amritsar", "StreetLights") == LADDERS.default == LADDERS.of("pb.jalandhar", "Garbage")


def test_the_citizen_is_told_who_has_it_and_by_when_in_their_language():
    level = LADDERS.level("pb.jalandhar", "Garbage", 3)
    assert LADDERS.notice(level, NOW, "pa") == (
        "ਇਸ ਦੀ ਸਮਾਂ-ਸੀਮਾ ਲੰਘ ਗਈ ਹੈ, ਹੁਣ ਇਹ ਕਮਿਸ਼ਨਰ ਕੋਲ ਹੈ, ਜਿਨ੍ਹਾਂ ਨੇ 01-12-2026 ਤੱਕ ਕਾਰਵਾਈ ਕਰਨੀ ਹੈ।"
    )
    assert day_of(datetime(2026, 12, 1, 20, 0, tzinfo=timezone.utc)) == "02-12-2026"  # already the 2nd in India


def test_a_level_without_a_title_in_every_language_is_refused(tmp_path):
    path = tmp_path / "escalation.json"
    path.write_text('{"default": [{"role": "GRO", "days": 3, "title": {"en": "the officer"}}], "notice": {}}')
    with pytest.raises(ValueError, match="hi, pa"):
        Ladders.load(path)
