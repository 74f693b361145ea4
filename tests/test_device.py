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


def test_build_folders_are_held_until_reset(monkeypatch, tmp_path):
    """A process holds its build folder (a second one gets name~2) until device.reset()."""
    import fcntl
    monkeypatch.setenv("SPIKING_EM_BRIAN2_CACHE", str(tmp_path))
    path = device.build_dir("held")
    other = open(path / ".lock", "a")
    with pytest.raises(OSError):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    device.reset()
    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)   # free for the next process now
    other.close()


SCRIPT = """
import subprocess, sys
from spiking_em.spiking import device
try:
    with device.interruptible():   # as Brian2 runs its binary: a child in the same group
        code = subprocess.call(["sleep", "30"])
        if code:
            raise RuntimeError("Project run failed")
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
print("not interrupted", flush=True)
"""


def test_ctrl_c_that_kills_the_child_is_an_interrupt_not_a_failure():
    """SIGINT to the process group kills the child; the failed call becomes KeyboardInterrupt."""
    import os
    import signal
    import subprocess
    import sys
    import time
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(3)   # imports done, the child sleeping
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and out.strip() == "interrupted", (out, err)
    assert "Traceback" not in err, err
