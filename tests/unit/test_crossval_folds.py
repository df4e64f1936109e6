"""Cross-validation deals each cell's examples into folds: every example is tested once and never trained on then."""

import yaml

from scripts.crossval import deal, fold_config
from scripts.held_apart import training_examples
from trainer.training_data import DATA


def test_each_example_of_each_cell_is_held_out_in_exactly_one_fold_and_trained_on_in_the_others(tmp_path):
    deal(DATA, 3, tmp_path)
    for path in DATA.glob("*.yml"):
        every = sorted(training_examples(path))
        tested = [training_examples(tmp_path / str(f) / "test" / path.name) for f in range(3)]
        assert sorted(sum(tested, [])) == every
        for fold in range(3):
            # Together, the fold's training and test examples are the cell's, each once.
            trained = training_examples(tmp_path / str(fold) / "train" / path.name)
            assert sorted(trained + tested[fold]) == every


def test_the_language_guesser_of_a_fold_learns_from_the_folds_training_data_only(tmp_path):
    config = yaml.safe_load(fold_config(tmp_path / "train", tmp_path).read_text(encoding="utf-8"))
    (guesser,) = [c for c in config["pipeline"] if c["name"].endswith("LanguageGuesser")]
    assert guesser["cells_dir"] == str(tmp_path / "train")
