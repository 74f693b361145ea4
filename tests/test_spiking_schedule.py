"""Presentation schedules and spike-count windows (pure numpy, no Brian2 build)."""
import numpy as np
import pytest

from spiking_em.spiking import schedule as S
from spiking_em.spiking.readout import window_counts


def test_phases_of_the_three_tasks():
    inf = S.inference_phases(15, 0.1, 8)
    assert [p.kind for p in inf] == ["ff", "infer"] and sum(p.n_slots for p in inf) == 23
    gen = S.generation_phases(3, 15, 0.3, 8, 2)
    assert [p.kind for p in gen[:2]] == ["anc", "hold"]
    assert sum(p.n_slots for p in gen) == 8 + 2 + 3 * (8 + 15 + 2)
    assert len(S.inpainting_phases(4, 15, 0.001, 8)) == 8


def test_pack_fills_runs_in_order_and_resets_each_presentation():
    clamp = np.linspace(0, 1, 5)
    pres = [S.Presentation(S.inference_phases(3, 0.2, 2), clamp=clamp * k) for k in range(5)]
    runs = S.pack(pres, n_slots=12, n_x=5, n_h2=2)     # 11 usable slots, 5 per presentation
    assert [r.starts for r in runs] == [[0, 5], [0, 5], [0]]
    run = runs[0]
    np.testing.assert_array_equal(run.gates["reset"][:11], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(run.gates["ff"][:5], [1, 1, 0, 0, 0])
    np.testing.assert_array_equal(run.gates["infer"][:5], [0, 0, 1, 1, 1])
    np.testing.assert_allclose(run.gates["alpha"][2:5], 0.2)
    np.testing.assert_allclose(run.clamp[5:10], np.tile(clamp, (5, 1)))
    assert np.all(run.clamp[10:] == S.UNCLAMPED) and run.gates["reset"][-1] == 0


def test_pack_rejects_presentations_that_do_not_fit():
    pres = [S.Presentation(S.inference_phases(20, 0.1, 8), clamp=np.zeros(3))]
    with pytest.raises(ValueError, match="does not fit"):
        S.pack(pres, n_slots=20, n_x=3, n_h2=1)
    with pytest.raises(ValueError, match="clamp must have shape"):
        S.pack([S.Presentation([S.Phase("ff", 1)], clamp=np.zeros(4))], 10, 3, 1)
    with pytest.raises(ValueError, match="phase kind"):
        S.Phase("sleep", 2)


def test_window_counts_sum_the_last_slots():
    slots = np.array([0, 1, 1, 2, 3, 3, 3])
    neurons = np.array([0, 0, 1, 0, 1, 1, 0])
    counts = window_counts(slots, neurons, n_slots=4, n_units=2, ends=np.array([0, 1, 3]),
                           window=2)
    np.testing.assert_array_equal(counts, [[1, 0], [2, 1], [2, 2]])


def test_signed_window_counts_subtract_off_spikes():
    slots = np.array([0, 0, 1, 1])
    units = np.array([0, 0, 0, 1])
    signs = np.array([1.0, -1.0, -1.0, 1.0])
    counts = window_counts(slots, units, n_slots=2, n_units=2, ends=np.array([1]), window=2,
                           weights=signs)
    np.testing.assert_array_equal(counts, [[-1, 1]])


def test_network_config_rejects_bad_settings():
    from spiking_em.spiking.areas import NetworkConfig
    with pytest.raises(ValueError, match="clip_quantile"):
        NetworkConfig(clip_quantile=1.0)
    with pytest.raises(ValueError, match="r_min_hz"):
        NetworkConfig(r_min_hz=500.0)
    with pytest.raises(ValueError, match="n_slots"):
        NetworkConfig(n_slots=1)
