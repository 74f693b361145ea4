"""The Brian2 rate network reproduces numpy INFERENCE; errors of ``compare``."""
import numpy as np
import pytest
from test_spiking_areas import SIZES, small_codes, small_params

from spiking_em.cli import main
from spiking_em.model.config import InferenceConfig
from spiking_em.model.inference import infer
from spiking_em.model.trained import TrainedModel
from spiking_em.spiking import device
from spiking_em.spiking import schedule as S
from spiking_em.spiking.areas import AreaNetwork, NetworkConfig
from spiking_em.spiking.readout import run_presentations
from spiking_em.spiking.transfer import fitted_transfer

N_STEPS, FF = 15, 12


@pytest.mark.standalone
def test_rate_network_reproduces_numpy_inference():
    device.reset()
    config = NetworkConfig(n_slots=81)
    fit, _ = fitted_transfer(config.lif, r_max_hz=config.r_max_hz)
    net = AreaNetwork(SIZES, "rate", config, fit, seed=0)
    params = small_params(0)
    x = np.random.default_rng(1).random((4, SIZES[0]))
    traj = []
    infer(x, params, InferenceConfig(N_STEPS, 0.1, 0.1),
          on_step=lambda t, h1, h2: traj.append((h1, h2)))
    h1_np = np.stack([a for a, _ in traj], axis=1)     # (digits, iterations, units)
    h2_np = np.stack([b for _, b in traj], axis=1)
    codes = small_codes(params, config)
    pres = [S.Presentation(S.inference_phases(N_STEPS, 0.1, FF), clamp=xi) for xi in x]
    ro = run_presentations(net, params, codes, pres, list(range(FF - 1, FF + N_STEPS)),
                           delta=0.1, window=1, rng=np.random.default_rng(0))
    device.reset()
    moved = np.abs(h1_np[:, -1] - h1_np[:, 0]).max()
    assert moved > 0.5                                  # inference really moves h1
    # continuous time (10 Euler steps per iteration, 20 ms synaptic filters) against the
    # discrete map: every unit within 0.06 at every iteration, i.e. under 7 % of the motion
    assert np.abs(ro.state["H1"] - h1_np).max() < 0.06
    assert np.abs(ro.state["H2"] - h2_np).max() < 0.03
    # the rate units' output is the fitted curve composed with its inverse: the value itself
    # (as computed one 2 ms step earlier), through the ON/OFF code
    np.testing.assert_allclose(ro.decoded["H1"], ro.state["H1"], atol=0.01)


def test_compare_without_a_model_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(FileNotFoundError, match="no trained model"):
        TrainedModel.load(tmp_path)
    assert main(["compare", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "no trained model" in capsys.readouterr().err
