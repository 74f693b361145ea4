"""Fréchet distance and the classifier whose features it uses."""
from __future__ import annotations

import numpy as np
import pytest

from spiking_em.evaluation.classifier import Classifier, ClassifierRecipe, train_classifier
from spiking_em.evaluation.frechet import classifier_coverage, frechet_distance, sample_quality


def test_frechet_distance_of_gaussians_matches_the_closed_form(rng):
    a = rng.standard_normal((20000, 3))
    b = rng.standard_normal((20000, 3)) * 2.0 + np.array([1.0, 0.0, 0.0])
    # |mu|^2 + tr(I + 4I - 2 * 2I) = 1 + 3 * (1 + 4 - 4) = 4
    assert frechet_distance(a, b) == pytest.approx(4.0, rel=0.05)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_rejects_mismatched_features(rng):
    with pytest.raises(ValueError, match="feature sets"):
        frechet_distance(rng.random((10, 3)), rng.random((10, 4)))


def test_classifier_learns_glyphs_and_ranks_real_over_collapsed_and_noise(glyphs, rng):
    clf = train_classifier(glyphs.train, glyphs.train_labels,
                           ClassifierRecipe(n_hidden=64, epochs=3))
    assert np.mean(clf.predict(glyphs.test) == glyphs.test_labels) > 0.8
    collapsed = np.repeat(glyphs.valid[:1], 200, axis=0)
    q = sample_quality(clf, {"real": glyphs.valid[:200], "collapsed": collapsed,
                             "noise": rng.random((200, 784))}, glyphs.test)
    assert q["real"]["frechet_distance"] < q["collapsed"]["frechet_distance"]
    assert q["real"]["frechet_distance"] < q["noise"]["frechet_distance"]
    assert q["real"]["classes_present"] == 10 and q["collapsed"]["classes_present"] == 1
    assert classifier_coverage(clf, collapsed)["normalised_entropy"] == 0.0
    assert isinstance(clf, Classifier)


@pytest.mark.mnist
@pytest.mark.slow
def test_shipped_recipe_reaches_97_percent_on_mnist(mnist_path, tmp_path):
    from spiking_em import data
    from spiking_em.evaluation.classifier import mnist_classifier
    ds = data.load("mnist", mnist_path)
    clf = mnist_classifier(ds, cache_dir=tmp_path)
    assert clf.test_accuracy > 0.965
    again = mnist_classifier(ds, cache_dir=tmp_path)   # cached: the same weights
    np.testing.assert_array_equal(again.W1, clf.W1)
