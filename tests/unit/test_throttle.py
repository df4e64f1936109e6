"""One citizen's messages beyond their allowance a minute are refused, and they are told once."""

from datetime import datetime, timedelta, timezone

from seva.throttle import Throttle

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)


def test_a_sender_may_write_up_to_the_allowance_in_any_minute():
    throttle = Throttle(per_minute=3)
    assert [throttle.allow("a", T0 + timedelta(seconds=i)) for i in range(4)] == [True, True, True, False]
    assert throttle.allow("b", T0 + timedelta(seconds=4))  # others are not held up
    assert not throttle.allow("a", T0 + timedelta(seconds=59))
    assert throttle.allow("a", T0 + timedelta(seconds=60))  # the first message left the window


def test_the_citizen_is_told_once_a_window():
    throttle = Throttle(per_minute=1)
    assert throttle.first_refusal("a", T0)
    assert not throttle.first_refusal("a", T0 + timedelta(seconds=30))
    assert throttle.first_refusal("a", T0 + timedelta(seconds=61))
