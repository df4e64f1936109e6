"""The classifier Seva's NLU components share, as they load it from a trained model."""

import numpy as np

from components.text_classifier import load, save, text_classifier

TEXTS = ["streetlight not working", "garbage not collected", "bijli ka khamba toot gaya", "ਕੂੜਾ ਨਹੀਂ ਚੁੱਕਿਆ"] * 5
LABELS = ["light", "garbage", "light", "garbage"] * 5
THIRD = ["open manhole on the road", "sadak pe gadda", "ਸੜਕ ਟੁੱਟੀ ਹੋਈ", "pothole near school"]


def test_a_loaded_classifier_reads_as_the_trained_one_with_its_weights_laid_out_for_prediction(tmp_path):
    trained = text_classifier(C=10, balanced=False, char_ngrams=(2, 4), random_seed=1)
    trained.fit(TEXTS + THIRD, LABELS + ["road"] * len(THIRD))
    save(trained, tmp_path / "model.skops")
    loaded = load(tmp_path / "model.skops")
    assert loaded is not None
    # Predicting multiplies by the transposed weights: without a copy once they are kept column by column.
    assert loaded.steps[-1][1].coef_.T.flags["C_CONTIGUOUS"]
    unseen = ["the light near my house is off", "kooda pada hai", "ਸੜਕ ਵਿੱਚ ਟੋਆ"]
    assert np.array_equal(loaded.predict_proba(unseen), trained.predict_proba(unseen))
    assert list(loaded.predict(unseen)) == list(trained.predict(unseen))


def test_a_model_that_was_never_written_is_none(tmp_path):
    assert load(tmp_path / "missing.skops") is None
