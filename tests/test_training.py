import numpy as np
import pytest

from spiking_em.model import checkpoint
from spiking_em.model.config import TrainConfig
from spiking_em.model.trained import TrainedModel
from spiking_em.model.training import (
    CHECKPOINT_FILE,
    TrainingDiverged,
    reconstruction_error,
    train,
)

TINY = dict(n_hidden1=32, n_hidden2=8, epochs=3, batch_size=50, optimizer="adam",
            learning_rate=1e-3)


def test_training_lowers_reconstruction_error(glyphs, tmp_path):
    config = TrainConfig.paper(**TINY)
    history = []
    model = train(glyphs.train[:1000], glyphs.valid, config, seed=0, out_dir=tmp_path,
                  on_epoch=history.append)
    from spiking_em.model.layers import init_params
    start = reconstruction_error(glyphs.valid, init_params((784, 32, 8), rng=np.random.default_rng(0)))
    assert history[-1].valid_reconstruction < 0.7 * start
    assert history[-1].valid_reconstruction < history[0].valid_reconstruction
    loaded = TrainedModel.load(tmp_path)
    np.testing.assert_array_equal(loaded.params.w_f1, model.params.w_f1)
    assert loaded.config == config and loaded.meta["seed"] == 0


def test_resume_after_interrupt_is_bit_identical(glyphs, tmp_path):
    config = TrainConfig.paper(**TINY)
    x = glyphs.train[:600]
    straight = train(x, glyphs.valid, config, seed=7, out_dir=tmp_path / "a")

    def interrupt(p):  # a user's Ctrl-C in the middle of epoch 2
        if p.epoch == 2 and p.batch == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(x, glyphs.valid, config, seed=7, out_dir=tmp_path / "b", progress=interrupt)
    _, meta = checkpoint.load(tmp_path / "b" / CHECKPOINT_FILE)
    assert (meta["epoch"], meta["batch"]) == (1, 5)
    resumed = train(x, glyphs.valid, config, seed=7, out_dir=tmp_path / "b", resume=True)
    for name, arr in straight.params.as_dict().items():
        np.testing.assert_array_equal(arr, getattr(resumed.params, name), err_msg=name)
    np.testing.assert_array_equal(straight.prior.mean, resumed.prior.mean)


def test_divergence_stops_and_keeps_last_good_checkpoint(glyphs, tmp_path):
    config = TrainConfig.paper(**dict(TINY, optimizer="sgd", learning_rate=1e3, epochs=2))
    with pytest.raises(TrainingDiverged, match="last good checkpoint"):
        train(glyphs.train[:500], glyphs.valid, config, seed=0, out_dir=tmp_path)
    assert not (tmp_path / "model.npz").exists()
    # a checkpoint exists even when the run diverges in its first minibatch
    arrays, meta = checkpoint.load(tmp_path / CHECKPOINT_FILE)
    assert (meta["epoch"], meta["batch"]) == (0, 0)
    assert all(np.all(np.isfinite(v)) for v in arrays.values() if v.dtype.kind == "f")
    # ... and it goes on with a lower learning rate when asked
    with pytest.raises(ValueError, match="--learning-rate.*--allow-changes"):
        train(glyphs.train[:500], glyphs.valid, TrainConfig.paper(**dict(TINY, optimizer="sgd",
              learning_rate=1e-2, epochs=2)), seed=0, out_dir=tmp_path, resume=True)
    model = train(glyphs.train[:500], glyphs.valid, TrainConfig.paper(**dict(
        TINY, optimizer="sgd", learning_rate=1e-2, epochs=2)), seed=0, out_dir=tmp_path,
        resume=True, allow_changes=True)
    assert len(model.meta["history"]) == 2


def test_finished_run_continues_with_more_epochs_as_if_never_stopped(glyphs, tmp_path):
    x = glyphs.train[:300]
    straight = train(x, glyphs.valid, TrainConfig.paper(**TINY), seed=2, out_dir=tmp_path / "a")
    train(x, glyphs.valid, TrainConfig.paper(**dict(TINY, epochs=2)), seed=2,
          out_dir=tmp_path / "b")
    continued = train(x, glyphs.valid, TrainConfig.paper(**TINY), seed=2, out_dir=tmp_path / "b",
                      resume=True, allow_changes=True)
    for name, arr in straight.params.as_dict().items():
        np.testing.assert_array_equal(arr, getattr(continued.params, name), err_msg=name)


def test_resume_refuses_another_data_set_and_unchangeable_settings(glyphs, tmp_path):
    config = TrainConfig.paper(**dict(TINY, epochs=1))
    train(glyphs.train[:200], glyphs.valid, config, seed=0, out_dir=tmp_path,
          dataset_name="glyphs")
    with pytest.raises(ValueError, match="data set 'glyphs'.*--dataset glyphs"):
        train(glyphs.train[:200], glyphs.valid, config, seed=0, out_dir=tmp_path, resume=True,
              dataset_name="mnist")
    with pytest.raises(ValueError, match="--batch-size"):
        train(glyphs.train[:200], glyphs.valid, TrainConfig.paper(**dict(TINY, epochs=1,
              batch_size=20)), seed=0, out_dir=tmp_path, resume=True, allow_changes=True,
              dataset_name="glyphs")


def test_existing_run_needs_resume_and_same_settings(glyphs, tmp_path):
    config = TrainConfig.paper(**dict(TINY, epochs=1))
    train(glyphs.train[:200], glyphs.valid, config, seed=0, out_dir=tmp_path)
    with pytest.raises(FileExistsError, match="--resume"):
        train(glyphs.train[:200], glyphs.valid, config, seed=0, out_dir=tmp_path)
    with pytest.raises(ValueError, match="--seed 0"):
        train(glyphs.train[:200], glyphs.valid, config, seed=1, out_dir=tmp_path, resume=True)


def test_bad_training_data_raises(glyphs, tmp_path):
    config = TrainConfig.paper(**TINY)
    with pytest.raises(ValueError, match=r"\[0.0, 1.0\]"):
        train(glyphs.train[:200] * 255, glyphs.valid, config, seed=0, out_dir=tmp_path)
    with pytest.raises(ValueError, match="batch_size"):
        train(glyphs.train[:10], glyphs.valid, config, seed=0, out_dir=tmp_path)


def test_missing_model_raises_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="spiking-em train"):
        TrainedModel.load(tmp_path)
