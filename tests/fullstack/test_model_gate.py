"""A new model is served only when it is not worse than the one Seva serves: the before/after report on messages
neither trained on, and the refusal of a model trained on a quarter of the data (unless the trainer says so)."""

import shutil
import subprocess

import pytest
import yaml

from scripts import compare_models
from tests.helpers import ROOT, a_slice_of_the_training_data
from tests.servers import BIN

pytestmark = pytest.mark.fullstack


@pytest.fixture(scope="module")
def test_sets(tmp_path_factory):
    """A slice of each held-out and realistic set, so that each comparison takes seconds."""
    folder = tmp_path_factory.mktemp("sets")
    (folder / "realistic").mkdir()
    for path in (ROOT / "tests" / "nlu").glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for block in data["nlu"]:
            block["examples"] = "\n".join(block["examples"].splitlines()[:4]) + "\n"
        (folder / path.name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for path in (ROOT / "tests" / "nlu" / "realistic").glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        sliced = {"complaints": data["complaints"][:25], "not_complaints": data.get("not_complaints", [])[:10]}
        (folder / "realistic" / path.name).write_text(yaml.safe_dump(sliced, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def worse_model(tmp_path_factory):
    """Seva's NLU trained on every fourth example of each intent."""
    data = a_slice_of_the_training_data(tmp_path_factory.mktemp("quarter"), every=4)
    out = tmp_path_factory.mktemp("worse")
    subprocess.run(
        [str(BIN / "rasa"), "train", "nlu", "--nlu", str(data), "--config", str(ROOT / "config.yml")]
        + ["--fixed-model-name", "worse", "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return out / "worse.tar.gz"


@pytest.fixture
def served(trained_model, tmp_path):
    """A copy of the trained model, standing for the one Seva serves."""
    path = tmp_path / "models" / "seva.tar.gz"
    path.parent.mkdir()
    shutil.copyfile(trained_model, path)
    return path


def compare(before, after, sets, out, *flags):
    return compare_models.main(
        ["--before", str(before), "--after", str(after), "--test-data", str(sets), "--out", str(out), *flags]
    )


def test_a_model_worse_in_a_cell_is_refused_and_the_served_one_stays(served, worse_model, test_sets, tmp_path, capsys):
    candidate = tmp_path / "candidate.tar.gz"
    shutil.copyfile(worse_model, candidate)
    before = served.read_bytes()
    assert compare(served, candidate, test_sets, tmp_path / "out", "--promote") == 1
    printed = capsys.readouterr().out
    assert "worse by more than 0.01 in:" in printed and "not served" in printed and "ACCEPT_WORSE=1" in printed
    assert served.read_bytes() == before and candidate.exists()
    assert "now wrong" in printed and (tmp_path / "out" / "intent_confusion.png").stat().st_size > 0


def test_the_trainer_may_serve_a_worse_model_all_the_same_and_the_one_before_is_kept(
    served, worse_model, test_sets, tmp_path, capsys
):
    candidate = tmp_path / "candidate.tar.gz"
    shutil.copyfile(worse_model, candidate)
    before = served.read_bytes()
    assert compare(served, candidate, test_sets, tmp_path / "out", "--promote", "--accept-worse") == 0
    assert served.read_bytes() == worse_model.read_bytes() and not candidate.exists()
    assert (served.parent / "previous.tar.gz").read_bytes() == before


def test_a_model_as_good_is_served_and_the_report_shows_every_cell_before_and_after(
    served, trained_model, test_sets, tmp_path, capsys
):
    candidate = tmp_path / "candidate.tar.gz"
    shutil.copyfile(trained_model, candidate)
    assert compare(served, candidate, test_sets, tmp_path / "out", "--promote") == 0
    printed = capsys.readouterr().out
    for cell in ("en", "hi", "hi-latn", "pa", "pa-latn"):
        assert any(line.startswith(cell + " ") and "(+0.000)" in line for line in printed.splitlines()), cell
    assert "0 messages read differently" in printed and "served:" in printed


def test_the_first_model_is_served_without_a_comparison(trained_model, test_sets, tmp_path):
    candidate = tmp_path / "candidate.tar.gz"
    shutil.copyfile(trained_model, candidate)
    assert compare(tmp_path / "seva.tar.gz", candidate, test_sets, tmp_path / "out", "--promote") == 0
    assert (tmp_path / "seva.tar.gz").exists() and not candidate.exists()
