"""Which open complaint a new one probably repeats (catalogue/duplicates.json), on both databases."""

from datetime import timedelta

from seva.duplicates import load_duplicate_rules, metres_between
from seva.storage import utcnow
from seva.workflow import GRO, Actor
from tests.helpers import a_draft

NOW = utcnow()
RULES = load_duplicate_rules()
# Streetlights: the same one within 30 m, reported in the last 14 days.
HERE = (31.3260, 75.5762)


def report(services, key, days_ago=0, **draft):
    view, _ = services.complaints.file(key, "whatsapp", "pa", a_draft(**draft), key, now=NOW - timedelta(days=days_ago))
    return view.number


def similar(services, sender="newcomer", **draft):
    found = services.complaints.similar(sender, a_draft(**draft), RULES, now=NOW)
    return found.number if found else None


def test_a_pin_within_the_categorys_radius_is_the_same_place_and_beyond_it_is_not(services):
    kept = report(services, "first", latitude=HERE[0], longitude=HERE[1])
    near, far = (HERE[0] + 0.0002, HERE[1]), (HERE[0] + 0.001, HERE[1])
    assert metres_between(*HERE, *near) < 30 < metres_between(*HERE, *far)
    assert similar(services, latitude=near[0], longitude=near[1]) == kept
    assert similar(services, latitude=far[0], longitude=far[1]) is None


def test_without_two_pins_the_same_locality_is_the_same_place(services):
    kept = report(services, "first", latitude=None, longitude=None)
    assert similar(services) == kept
    assert similar(services, locality_code="JLC388", latitude=None, longitude=None) is None


def test_only_an_open_recent_complaint_of_the_same_service_and_town_by_someone_else_counts(services):
    old = report(services, "old", days_ago=20)
    assert similar(services) is None  # streetlights look back 14 days
    report(services, "other-service", service_code="GarbageNeedsTobeCleared")
    report(services, "other-town", tenant_id="pb.amritsar", locality_code=None)
    assert similar(services) is None
    recent = report(services, "recent", days_ago=1)
    assert similar(services) == recent
    assert similar(services, sender="recent") is None  # one's own complaint is no duplicate of itself
    services.lifecycle.act(recent, "REJECT", Actor(GRO, "gro", "pb.jalandhar"), comment="private land")
    assert similar(services) is None
    assert old


def test_a_complaint_already_followed_is_not_offered_again(services):
    kept = report(services, "first")
    assert services.complaints.follow(kept, "newcomer", "whatsapp").followers == 1
    assert services.complaints.follow(kept, "newcomer", "whatsapp").followers == 1  # once
    assert similar(services) is None
