"""The dashboard's figures on both databases, from complaints whose story is known: filed, assigned, resolved in
time or late, rejected, reopened, rated; another city's complaints never count."""

from datetime import timedelta

import pytest

from seva.complaints import Query
from seva.storage import utcnow
from seva.workflow import GRO, LME, Actor
from tests.helpers import a_draft

NOW = utcnow()
OFFICER = Actor(GRO, "gro.asha", "pb.jalandhar")
FIELD = Actor(LME, "lme.gurdeep", "pb.jalandhar")


@pytest.fixture
def city(services):
    """Four complaints of Jalandhar and one of Amritsar, each with a known story."""
    services.staff.add("lme.gurdeep", "Gurdeep Singh", LME, "pb.jalandhar")
    file, act = services.complaints.file, services.lifecycle.act

    def filed(key, days_ago, **draft):
        return file(f"citizen-{key}", "whatsapp", "pa", a_draft(**draft), key, now=NOW - timedelta(days=days_ago))[0]

    def day(n):
        return NOW - timedelta(days=n)

    light = filed("light", 20)  # resolved in 2 days, rated 4
    act(light.number, "ASSIGN", OFFICER, assignee="lme.gurdeep", now=day(19))
    act(light.number, "RESOLVE", FIELD, template="resolve.replaced", now=day(18))
    act(light.number, "RATE", Actor.citizen("citizen-light"), rating=4, now=day(17))

    garbage = filed(
        "garbage", 30, service_code="GarbageNeedsTobeCleared", locality_code="JLC100", locality_name="Basti"
    )
    act(garbage.number, "ASSIGN", OFFICER, assignee="lme.gurdeep", now=day(29))
    act(garbage.number, "RESOLVE", FIELD, comment="picked up", now=day(10))  # 20 days: past its 14
    act(garbage.number, "REOPEN", Actor.citizen("citizen-garbage"), comment="it is back", now=day(9))

    filed("dark", 16)  # open, never assigned: past its 14 days
    rejected = filed("private", 6)
    act(rejected.number, "REJECT", OFFICER, template="reject.not_municipal", now=day(5))
    filed("amritsar", 3, tenant_id="pb.amritsar")
    return services


def test_the_figures_of_a_city(city):
    figures = city.statistics.dashboard(["pb.jalandhar"], now=NOW).total
    assert (figures.filed, figures.open, figures.overdue, figures.resolved) == (4, 2, 1, 2)
    assert figures.median_days_to_resolve == pytest.approx(11.0)  # the median of 2 and 20 days
    assert figures.within_sla == pytest.approx(0.5)
    assert figures.reopen_rate == pytest.approx(1 / 3)  # of three decided, one reopened
    assert figures.average_rating == pytest.approx(4.0)


def test_by_category_and_by_locality_largest_first(city):
    dashboard = city.statistics.dashboard(["pb.jalandhar"], now=NOW)
    assert [(f.name, f.filed, f.open, f.resolved) for f in dashboard.by_category] == [
        ("StreetLights", 3, 1, 1),
        ("Garbage", 1, 1, 1),
    ]
    assert [(f.name, f.filed) for f in dashboard.by_locality] == [("Model Town", 3), ("Basti", 1)]
    garbage = dashboard.by_category[1]
    assert garbage.within_sla == 0 and garbage.reopen_rate == 1 and garbage.average_rating is None


def test_filed_and_resolved_per_week_the_current_week_last(city):
    weeks = city.statistics.dashboard(["pb.jalandhar"], now=NOW).weeks
    assert len(weeks) == 12 and weeks[-1].starts <= NOW.date() and all(w.starts.weekday() == 0 for w in weeks)
    assert sum(w.filed for w in weeks) == 4 and sum(w.resolved for w in weeks) == 2


def test_filters_and_cities(city):
    both = city.statistics.dashboard(["pb.jalandhar", "pb.amritsar"], now=NOW).total
    assert both.filed == 5 and both.open == 3
    garbage = city.statistics.dashboard(["pb.jalandhar"], category="Garbage", now=NOW).total
    assert garbage.filed == 1
    model_town = city.statistics.dashboard(["pb.jalandhar"], locality_code="JLC373", now=NOW).total
    assert model_town.filed == 3
    nothing = city.statistics.dashboard(["pb.ludhiana"], now=NOW).total
    assert nothing.filed == 0 and nothing.median_days_to_resolve is None and nothing.within_sla is None


def test_the_queue_counts_each_tab(city):
    counts = city.complaints.counts(Query(tenant_id="pb.jalandhar"), now=NOW)
    by_status = {"PENDINGFORASSIGNMENT": 2, "CLOSEDAFTERRESOLUTION": 1, "REJECTED": 1}
    assert counts == {**by_status, "overdue": 1, "escalated": 0}
