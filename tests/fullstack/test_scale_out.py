"""Seva scaled out for real: two replicas (each a `rasa run` and its action server) behind HAProxy, on one
PostgreSQL tracker store and one Redis lock store, with citizens filing at the same time."""

import re

import pytest

from scripts import scale

pytestmark = pytest.mark.fullstack


@pytest.fixture(scope="module")
def two_replicas(trained_model):
    with scale.cluster(2, pin=False, model=trained_model) as running:
        yield running


def test_citizens_filing_at_once_across_two_replicas_are_each_heard_in_order_and_filed_once(two_replicas):
    load = scale.file_at_once(two_replicas, citizens=6, tag="scale-test")
    assert scale.problems(two_replicas, load) == []
    # Both replicas took messages: the load balancer's log names the server of each request.
    served = set(re.findall(r"rasa/(rasa\d)", (two_replicas.logs / "haproxy.log").read_text()))
    assert served == {"rasa1", "rasa2"}


def test_the_load_balancers_configuration_is_valid_for_any_number_of_replicas(tmp_path):
    for replicas in (["127.0.0.1:5005"], [f"10.0.0.{i}:5005" for i in range(1, 5)]):
        config = tmp_path / "haproxy.cfg"
        config.write_text(scale.haproxy_config("127.0.0.1:8080", replicas))
        assert scale.subprocess.run(["haproxy", "-c", "-q", "-f", str(config)]).returncode == 0
        assert config.read_text().count(" check\n") == len(replicas)
