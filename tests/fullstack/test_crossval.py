"""`make crossval` on a slice of the training data: a model trained per fold, a table per cell."""

import re

import pytest

from scripts import crossval
from tests.helpers import a_slice_of_the_training_data

pytestmark = pytest.mark.fullstack


def test_cross_validation_trains_each_fold_and_prints_a_table_per_cell(tmp_path, capsys):
    data = a_slice_of_the_training_data(tmp_path / "data", every=6)

    assert crossval.main(["--folds", "2", "--data", str(data), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    rows = {line.split("|")[1].strip(): line for line in printed.splitlines() if line.startswith("| ") and "±" in line}
    assert sorted(rows) == ["en", "hi", "hi-latn", "pa", "pa-latn"]
    for row in rows.values():
        means = [float(m) for m in re.findall(r"(\d\.\d{3}) ±", row)]
        # Better than chance over some 40 intents, and no better than perfect.
        assert len(means) == 3 and all(0.2 < m <= 1.0 for m in means), row
    assert (tmp_path / "out" / "crossval.md").read_text(encoding="utf-8").count("±") == 15
