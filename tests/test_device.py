"""Brian2 builds are bounded: one compile job per idle core, or $SPIKING_EM_COMPILE_JOBS."""
import pytest

from spiking_em.spiking import device
from spiking_em.threads import available_cores


def test_compile_jobs_default_to_idle_cores(monkeypatch):
    monkeypatch.delenv(device.COMPILE_JOBS_VAR, raising=False)
    assert 1 <= device.compile_jobs() <= available_cores()


def test_compile_jobs_override_and_bad_values(monkeypatch):
    monkeypatch.setenv(device.COMPILE_JOBS_VAR, "3")
    assert device.compile_jobs() == 3
    for bad in ("0", "-2", "many", ""):
        monkeypatch.setenv(device.COMPILE_JOBS_VAR, bad)
        with pytest.raises(ValueError, match=device.COMPILE_JOBS_VAR):
            device.compile_jobs()


@pytest.mark.standalone
def test_build_passes_the_bound_to_make(monkeypatch, tmp_path, brian2_reset):
    """A real (tiny) build runs make with -jN, N the bound, not Brian2's bare -j."""
    import brian2 as b2
    monkeypatch.setenv(device.COMPILE_JOBS_VAR, "1")
    device.activate_standalone(0)
    group = b2.NeuronGroup(2, "dv/dt = -v / (10*ms) : 1", name="g")
    b2.Network(group).run(1 * b2.ms, namespace={})
    device.build(tmp_path / "build")
    assert b2.prefs.devices.cpp_standalone.extra_make_args_unix == ["-j1"]
    assert (tmp_path / "build" / "main").exists()
