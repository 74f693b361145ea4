import numpy as np
import pytest

from spiking_em.data.corruption import (
    Corruption,
    bernoulli_average,
    gaussian,
    poisson_rate,
)


def test_gaussian_sigma_zero_is_identity(rng):
    x = rng.random((4, 7)).astype(np.float32)
    out = gaussian(x, 0.0, rng=rng)
    np.testing.assert_array_equal(out, x)
    assert out is not x


def test_gaussian_moments(rng):
    n = 200_000
    out = gaussian(np.full(n, 0.25), 0.5, rng=rng)
    # mean within 5 standard errors; variance within 5 s.e. of a normal sample variance
    assert abs(out.mean() - 0.25) < 5 * 0.5 / np.sqrt(n)
    assert abs(out.var() - 0.25) < 5 * 0.25 * np.sqrt(2 / n)


def test_bernoulli_extremes_are_exact(rng):
    p = np.array([[0.0, 1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(bernoulli_average(p, 3, rng=rng), p)


def test_bernoulli_average_moments(rng):
    n, p, k = 200_000, 0.3, 3
    out = bernoulli_average(np.full(n, p), k, rng=rng)
    assert set(np.unique(out)) <= {0, 1 / 3, 2 / 3, 1}
    var = p * (1 - p) / k
    assert abs(out.mean() - p) < 5 * np.sqrt(var / n)
    assert abs(out.var() - var) < 5 * var * np.sqrt(2 / n) * 2


def test_poisson_rate_zero_gives_zero_spikes(rng):
    out = poisson_rate(np.zeros((3, 5)), gain_hz=100, window_s=0.1, rng=rng)
    np.testing.assert_array_equal(out, 0)


def test_poisson_rate_mean_and_variance(rng):
    n, v, gain, window = 200_000, 0.6, 100.0, 0.05
    out = poisson_rate(np.full(n, v), gain_hz=gain, window_s=window, rng=rng)
    expected_var = v / (gain * window)       # count variance (rate T) over (gain T)^2
    assert abs(out.mean() - v) < 5 * np.sqrt(expected_var / n)
    # the sample variance of a Poisson count has s.e. ~ sqrt((mu + 2 mu^2) / n) in count units
    mu = v * gain * window
    se_var = np.sqrt((mu + 2 * mu ** 2) / n) / (gain * window) ** 2
    assert abs(out.var() - expected_var) < 5 * se_var


def test_poisson_baseline_corrupts_zeros_with_zero_mean(rng):
    """With a baseline every unit fires: zeros get noise of mean 0 and variance
    baseline / (gain T), a value v keeps its mean with variance (v + baseline) / (gain T); a
    baseline of 0 draws exactly what the plain quantizer draws."""
    n, gain, window, base = 200_000, 10.0, 0.1, 0.2
    for v in (0.0, 0.6):
        out = poisson_rate(np.full(n, v), gain_hz=gain, window_s=window, rng=rng, baseline=base)
        var = (v + base) / (gain * window)
        assert abs(out.mean() - v) < 5 * np.sqrt(var / n)
        assert abs(out.var() / var - 1) < 0.03
    x = np.random.default_rng(1).random(50)
    plain = poisson_rate(x, gain_hz=gain, window_s=window, rng=np.random.default_rng(2))
    zero = Corruption.poisson(gain, window, 0.0).apply(x, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(plain, zero)
    assert Corruption.poisson(gain, window, 0.1).apply(np.zeros(1000), rng=rng).std() > 0


def test_poisson_long_window_tends_to_identity(rng):
    x = rng.random(1000)
    out = poisson_rate(x, gain_hz=100, window_s=1e4, rng=rng)
    # std per element = sqrt(x / 1e6) <= 1e-3
    assert np.max(np.abs(out - x)) < 6e-3


def test_record_clips_to_domain_and_never_mutates(rng):
    h = np.array([[-0.02, 0.5, 1.03]])
    before = h.copy()
    out = Corruption.bernoulli(3).apply(h, rng=rng)
    assert out[0, 0] == 0 and out[0, 2] == 1
    np.testing.assert_array_equal(h, before)
    assert Corruption.poisson(100, 0.1).apply(h, rng=rng)[0, 0] == 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(kind="laplace"), "kind"), (dict(kind="gaussian", sigma=-1), "sigma"),
    (dict(kind="bernoulli", k=0), "k must"), (dict(kind="poisson", window_s=0), "window_s"),
    (dict(kind="poisson", gain_hz=-5), "gain_hz"),
    (dict(kind="poisson", baseline=-0.1), "baseline")])
def test_impossible_settings_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Corruption(**kwargs)


def test_out_of_domain_values_raise(rng):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        bernoulli_average(np.array([1.5]), 3, rng=rng)
    with pytest.raises(ValueError, match="non-negative"):
        poisson_rate(np.array([-1.0]), gain_hz=10, window_s=1, rng=rng)


def test_parse_cli_forms():
    assert Corruption.parse("gaussian:0.3") == Corruption.gaussian(0.3)
    assert Corruption.parse("bernoulli:5") == Corruption.bernoulli(5)
    assert Corruption.parse("poisson:100:0.05") == Corruption.poisson(100, 0.05)
    assert Corruption.parse("poisson:100:0.05:0.1") == Corruption.poisson(100, 0.05, 0.1)
    assert Corruption.parse("none").kind == "none"
    for bad in ("poisson:100", "poisson:1:1:1:1", "poisson:100:0.05:-1", "laplace:1",
                "gaussian:abc", "gaussian:-1"):
        with pytest.raises(ValueError):
            Corruption.parse(bad)


def test_per_layer_selection_through_the_cli(tmp_path, capsys):
    from spiking_em.cli import main
    code = main(["train", "--dataset", "glyphs", "--epochs", "1", "--n-hidden1", "16",
                 "--n-hidden2", "4", "--n-train", "200", "--out", str(tmp_path),
                 "--corrupt", "h2_for_g2=poisson:100:0.05", "--corrupt", "x_for_f1=none"])
    assert code == 0
    out = capsys.readouterr().out
    assert "h2_for_g2=poisson(gain=100 Hz, T=50 ms)" in out and "x_for_f1=none" in out
    from spiking_em.model.trained import TrainedModel
    model = TrainedModel.load(tmp_path)
    assert model.config.corruptions.h2_for_g2 == Corruption.poisson(100, 0.05)
    assert main(["train", "--dataset", "glyphs", "--out", str(tmp_path / "b"),
                 "--corrupt", "h3=gaussian:1"]) == 2
    assert "expected NAME=SPEC" in capsys.readouterr().err


def test_presets_poisson_and_mixed_with_a_window():
    from spiking_em.model.config import TrainConfig
    poisson = TrainConfig.preset("poisson", window_s=0.3).corruptions
    assert all(c.kind == "poisson" and c.window_s == 0.3 for c in poisson.__dict__.values())
    mixed = TrainConfig.preset("mixed", window_s=0.05).corruptions
    assert mixed.x_for_f1 == TrainConfig.paper().corruptions.x_for_f1      # Gaussian pixels
    assert mixed.h2_for_g2 == Corruption.poisson(100, 0.05)
    assert mixed.h1_for_g1 == mixed.h1_for_f2 == Corruption.poisson(50, 0.05)
    with pytest.raises(ValueError, match="poisson' and 'mixed"):
        TrainConfig.preset("paper", window_s=0.1)
    with pytest.raises(ValueError, match="unknown preset"):
        TrainConfig.preset("spiky")


def test_mixed_preset_and_window_through_the_cli(tmp_path, capsys):
    from spiking_em.cli import main
    from spiking_em.model.trained import TrainedModel
    code = main(["train", "--dataset", "glyphs", "--epochs", "1", "--n-hidden1", "16",
                 "--n-hidden2", "4", "--n-train", "200", "--out", str(tmp_path),
                 "--preset", "mixed", "--window", "0.2"])
    assert code == 0
    assert "h1_for_f2=poisson(gain=50 Hz, T=200 ms)" in capsys.readouterr().out
    corr = TrainedModel.load(tmp_path).config.corruptions
    assert corr.x_for_f1.kind == "gaussian" and corr.h2_for_g2 == Corruption.poisson(100, 0.2)
