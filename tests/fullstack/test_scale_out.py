"""Seva scaled out for real: two replicas (each a `rasa run` and its action server) behind HAProxy, on one
PostgreSQL tracker store and one Redis lock store, with citizens filing at the same time."""

import importlib.util
import re
import uuid

import pytest
import yaml

from scripts import scale
from tests.helpers import ROOT

pytestmark = pytest.mark.fullstack


@pytest.fixture(scope="module")
def two_replicas(trained_model):
    with scale.cluster(2, pin=False, model=trained_model) as running:
        yield running


def test_citizens_filing_at_once_across_two_replicas_are_each_heard_in_order_and_filed_once(two_replicas):
    # The tracker store outlives the run: each run's citizens are new to it.
    load = scale.file_at_once(two_replicas, citizens=6, tag=f"scale-{uuid.uuid4().hex[:6]}")
    assert scale.problems(two_replicas, load) == []
    # Both replicas took messages: the load balancer's log names the server of each request.
    served = set(re.findall(r"rasa/(rasa\d)", (two_replicas.logs / "haproxy.log").read_text()))
    assert served == {"rasa1", "rasa2"}


def test_the_load_balancers_configuration_is_valid_for_any_number_of_replicas(tmp_path):
    for replicas in (["127.0.0.1:5005"], [f"10.0.0.{i}:5005" for i in range(1, 5)]):
        for receivers in ([], ["127.0.0.1:5006"], ["10.0.0.1:5006", "10.0.0.2:5006"]):
            config = tmp_path / "haproxy.cfg"
            config.write_text(scale.haproxy_config("127.0.0.1:8080", replicas, receivers=receivers))
            assert scale.subprocess.run(["haproxy", "-c", "-q", "-f", str(config)]).returncode == 0
            # Each replica once, or twice (the citizen-hashed backend) beside the receivers.
            servers = len(replicas) * (2 if receivers else 1) + len(receivers)
            assert config.read_text().count(" check\n") == servers


def test_the_compose_file_is_valid_and_runs_every_process_of_the_guide():
    checked = scale.subprocess.run(
        ["docker-compose", "-f", str(ROOT / "deploy" / "compose.yml"), "config"],
        capture_output=True,
        text=True,
        env={**scale.os.environ, "SEVA_ENV_FILE": "seva.env.example"},
    )
    assert checked.returncode == 0, checked.stderr
    services = yaml.safe_load(checked.stdout)["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "actions1",
        "actions2",
        "rasa1",
        "rasa2",
        "receiver",
        "staff",
        "notifier",
        "haproxy",
    }
    # Each replica talks to its own action server; every Seva process finds the stores by their service names.
    assert services["rasa1"]["environment"]["ACTION_ENDPOINT_URL"] == "http://actions1:5055/webhook"
    assert services["rasa2"]["environment"]["ACTION_ENDPOINT_URL"] == "http://actions2:5055/webhook"
    assert all(services[name]["environment"]["TRACKER_DB_HOST"] == "postgres" for name in ("rasa1", "rasa2", "migrate"))
    # The modules the commands start are the project's own.
    for name in ("actions1", "receiver", "staff", "notifier"):
        module = services[name]["command"][services[name]["command"].index("-m") + 1]
        assert importlib.util.find_spec(module) is not None, module


def test_the_compose_load_balancer_is_the_template_rendered_for_its_services(tmp_path):
    written = (ROOT / "deploy" / "haproxy.compose.cfg").read_text()
    assert written == scale.haproxy_config(
        ":5005", ["rasa1:5005", "rasa2:5005"], receivers=["receiver:5006"], resolver="127.0.0.11:53"
    )
    # The names resolve only among the containers: HAProxy starts without them and looks them up again.
    assert (
        scale.subprocess.run(["haproxy", "-c", "-q", "-f", str(ROOT / "deploy" / "haproxy.compose.cfg")]).returncode
        == 0
    )


def test_the_service_files_are_valid_systemd_units(tmp_path):
    """As an operator installs them under /opt/seva: here pointed at this checkout, whose programs exist."""
    units = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
    assert {u.name for u in units} == {
        "seva-rasa@.service",
        "seva-actions@.service",
        "seva-staff.service",
        "seva-notifier.service",
        "seva-receiver.service",
    }
    environment = tmp_path / "seva.env"
    environment.write_text((ROOT / "deploy" / "seva.env.example").read_text())
    for unit in units:
        text = unit.read_text().replace("/opt/seva", str(ROOT)).replace("/etc/seva/seva.env", str(environment))
        name = unit.name.replace("@.", "@1.")
        (tmp_path / name).write_text(text.replace("User=seva\n", ""))
        checked = scale.subprocess.run(
            ["systemd-analyze", "verify", "--man=no", str(tmp_path / name)], capture_output=True, text=True
        )
        assert checked.returncode == 0 and not checked.stderr.strip(), (unit.name, checked.stderr)


def test_a_rolling_restart_while_citizens_file_loses_no_message_and_answers_none_twice(two_replicas):
    restarted = scale.rolling_restart(two_replicas, workers=3, tag=f"rolling-{uuid.uuid4().hex[:6]}")
    assert scale.problems(two_replicas, restarted) == []
    # Citizens kept filing while one replica and then the other was down.
    assert len(restarted.replies) >= 6
    assert all(two_replicas.stat(f"rasa{i}")["status"] == "UP" for i in (1, 2))
