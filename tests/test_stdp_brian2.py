"""The rule as a Brian2 synapse (C++ standalone; one compiled network per module)."""
import numpy as np
import pytest

from spiking_em.stdp import ramp

pytestmark = pytest.mark.standalone
N_TRIALS = 6000


@pytest.fixture(scope="module")
def brian2_curve():
    from spiking_em.spiking import device
    from spiking_em.stdp import synapse
    device.reset()
    cfg = ramp.RampConfig(n_trials=N_TRIALS)
    net = synapse.build_ramp_network(cfg, seed=1)
    pairs, info = synapse.run_ramp_network(net, rng=np.random.default_rng(1))
    pairs2, _ = synapse.run_ramp_network(net, rng=np.random.default_rng(2),
                                              config=ramp.RampConfig(n_trials=N_TRIALS, eta=2.0))
    device.reset()
    return {"pairs": pairs, "raw": info["raw_derivative_pairs"], "rerun": pairs2}


def test_brian2_curve_has_stdp_shape(brian2_curve):
    shape = ramp.check_stdp_shape(ramp.bin_curve(brian2_curve["pairs"]))
    assert all(shape.values()), shape


def test_brian2_matches_numpy_within_standard_errors(brian2_curve):
    b = ramp.bin_curve(brian2_curve["pairs"])
    n = ramp.bin_curve(ramp.simulate_ramps(ramp.RampConfig(n_trials=N_TRIALS),
                                           rng=np.random.default_rng(1)))
    shared = sorted(set(b["dt_ms"]) & set(n["dt_ms"]))
    assert len(shared) >= 30
    z = []
    for dt in shared:
        i, j = b["dt_ms"].index(dt), n["dt_ms"].index(dt)
        z.append((b["mean_dw"][i] - n["mean_dw"][j]) / np.hypot(b["se_dw"][i], n["se_dw"][j]))
    z = np.abs(z)
    # independent samples: |z| < 3 in (nearly) every bin; a model mismatch gives |z| >> 3
    assert np.mean(z < 3) >= 0.95 and z.max() < 4.5, np.round(z, 1)


def test_raw_membrane_derivative_shows_the_reset_artefact(brian2_curve):
    clean = ramp.bin_curve(brian2_curve["pairs"])
    raw = ramp.bin_curve(brian2_curve["raw"])
    k = clean["dt_ms"].index(-2.5)
    assert raw["mean_dw"][k] > clean["mean_dw"][k] + 10 * clean["se_dw"][k]


def test_rerun_with_new_parameters_uses_run_args(brian2_curve):
    """A second run of the same binary with eta = 2 doubles ΔW (new trials, no recompilation)."""
    a, b = brian2_curve["pairs"], brian2_curve["rerun"]
    ratio = np.mean(np.abs(b.dw)) / np.mean(np.abs(a.dw))
    assert 1.8 < ratio < 2.2


def test_delta_rule_network_follows_gradient_and_learns():
    from spiking_em.spiking import device
    from spiking_em.stdp import synapse
    device.reset()
    cfg = ramp.DeltaRuleConfig(n_patterns=20, epochs=6)
    rng = np.random.default_rng(0)
    x, _, y = ramp.regression_task(cfg, rng=rng)
    order = np.concatenate([rng.permutation(len(x)) for _ in range(cfg.epochs)])
    net = synapse.build_delta_network(cfg, len(order), seed=0)
    w0 = np.zeros((cfg.n_in, cfg.n_out))
    frozen = synapse.run_delta_network(net, x[order], y[order], w0, learn=False)
    grad = x.T @ (y - x @ w0)
    cos = np.sum(frozen["dw_sum"] * grad) / (np.linalg.norm(frozen["dw_sum"]) * np.linalg.norm(grad))
    assert cos > 0.9
    trained = synapse.run_delta_network(net, x[order], y[order], w0, learn=True)
    assert ramp.squared_error(trained["w"], x, y) < 0.2 * ramp.squared_error(w0, x, y)
    with pytest.raises(ValueError, match="x_sequence"):
        synapse.run_delta_network(net, x, y, w0, learn=True)
    device.reset()
