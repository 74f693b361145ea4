"""The spiking M-step on a tiny network: teaching moves the weights along the gradient, eta = 0
leaves them alone, resume is exact, bad inputs give clear errors."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from spiking_em.model.config import TrainConfig
from spiking_em.model.training import train
from spiking_em.spiking import device
from spiking_em.spiking.areas import AreaNetwork, NetworkConfig
from spiking_em.spiking.plasticity import LEARNING_MAPS, TeachingConfig
from spiking_em.spiking.teaching import SpikingTrainConfig, codes_for, teach
from spiking_em.spiking.transfer import fitted_transfer

pytestmark = [pytest.mark.standalone, pytest.mark.slow]
CONFIG = SpikingTrainConfig(network=NetworkConfig(n_slots=161), n_reference=300)


@pytest.fixture(scope="module")
def tiny(glyphs, tmp_path_factory):
    """A 784-48-12 rate model and the learning network of its shape (one compilation)."""
    model = train(glyphs.train[:2000], glyphs.valid, TrainConfig.paper(
        n_hidden1=48, n_hidden2=12, epochs=6, optimizer="adam", learning_rate=1e-3,
        batch_size=50), seed=0, out_dir=tmp_path_factory.mktemp("tiny"), dataset_name="glyphs")
    device.reset()
    transfer, _ = fitted_transfer(CONFIG.network.lif, r_max_hz=CONFIG.network.r_max_hz)
    net = AreaNetwork(model.params.sizes, "spiking", CONFIG.network, transfer, seed=0,
                      learning=CONFIG.teaching)
    yield model, net
    device.reset()


def test_teaching_moves_every_map_along_its_gradient(tiny, glyphs):
    from spiking_em.experiments.spiking_learning import stdp_sgd_at_scale
    model, net = tiny
    res = stdp_sgd_at_scale(net, model, glyphs.train[100:112], glyphs.train[:300], CONFIG,
                            seed=1, eta=1e-4)
    for name in LEARNING_MAPS:
        m = res["maps"][name]
        # a wrong sign gives a negative cosine, a wrong pathway or target one near zero; the
        # right rule gave 0.79 (f2, whose saturated sigmoid units have tiny gradients) to
        # 0.99 on these 12 digits: the spike noise of dV/dt still shows at this size
        assert m["cosine_matching_loss"] > 0.6, (name, m)
        assert m["squared_error_after_step"] < m["squared_error_before"], (name, m)


def test_eta_zero_leaves_the_weights_unchanged(tiny, glyphs):
    model, net = tiny
    params = model.params.astype(np.float64)
    codes = codes_for(params, model.prior, glyphs.train[:300], CONFIG)
    run = teach(net, params, codes, glyphs.train[:4], CONFIG, rng=np.random.default_rng(0),
                eta=0.0)
    for name, arr in params.as_dict().items():
        np.testing.assert_allclose(getattr(run.params, name), arr, rtol=1e-9, atol=1e-9,
                                   err_msg=name)
    assert run.h2.shape == (4, params.sizes[2]) and np.all(np.isfinite(run.h2))


def test_spiking_training_resumes_exactly(tiny, glyphs, tmp_path):
    from spiking_em.spiking.trainer import train_spiking
    model, net = tiny
    kw = dict(seed=0, dataset_name="glyphs", n_prior=4, eval_every=1, checkpoint_every=1,
              net=net)
    x, xv = glyphs.train[:40], glyphs.valid[:50]
    straight = train_spiking(x, xv, model, CONFIG, n_presentations=12, out_dir=tmp_path / "a",
                             **kw)

    def interrupt(record):   # a Ctrl-C after the second binary run, before its checkpoint
        if record.presentations >= 2 * CONFIG.digits_per_run:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_spiking(x, xv, model, CONFIG, n_presentations=12, out_dir=tmp_path / "b",
                      on_run=interrupt, **kw)
    resumed = train_spiking(x, xv, model, CONFIG, n_presentations=12, out_dir=tmp_path / "b",
                            resume=True, **kw)
    for name, arr in straight.params.as_dict().items():
        np.testing.assert_array_equal(arr, getattr(resumed.params, name), err_msg=name)
    assert resumed.meta["spiking"]["presentations"] == 12
    assert resumed.meta["spiking"]["compilations"] == 1
    with pytest.raises(FileExistsError, match="--resume"):
        train_spiking(x, xv, model, CONFIG, n_presentations=4, out_dir=tmp_path / "a", **kw)
    with pytest.raises(ValueError, match="--seed"):
        train_spiking(x, xv, model, CONFIG, n_presentations=16, out_dir=tmp_path / "a",
                      resume=True, **dict(kw, seed=4))
    with pytest.raises(ValueError, match="shape"):
        train_spiking(x, xv, model, replace(CONFIG, teaching=TeachingConfig(tau_teach_ms=50)),
                      n_presentations=4, out_dir=tmp_path / "c", **kw)


def test_only_spiking_variants_learn(tiny):
    model, net = tiny
    with pytest.raises(ValueError, match="only spiking variants learn"):
        AreaNetwork(model.params.sizes, "rate", CONFIG.network, net.transfer,
                    learning=CONFIG.teaching)
    with pytest.raises(ValueError, match="variant must be one of"):
        replace(CONFIG, variant="rate")
