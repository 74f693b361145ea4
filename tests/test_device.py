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
    assert b2.prefs.devices.cpp_standalone.extra_make_args_unix[0] == "-j1"
    assert "-j" not in b2.prefs.devices.cpp_standalone.extra_make_args_unix
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
        print("ready", file=sys.stderr, flush=True)
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
    # imports done and the handler installed, however busy the machine (a fixed 3 s sleep
    # was too short beside other work)
    assert proc.stderr.readline().strip() == "ready"
    time.sleep(0.5)   # the child sleeping
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and out.strip() == "interrupted", (out, err)
    assert "Traceback" not in err, err


# one process builds the tiny network, holds its folder, and waits for "done" before exiting
_BUILD_AND_HOLD = """
import logging, sys, time
from pathlib import Path
logging.basicConfig(level=logging.INFO, format="%(message)s")
import brian2 as b2
from spiking_em.spiking import device
device.activate_standalone(0)
group = b2.NeuronGroup(3, "dv/dt = (1.2 - v) / (10*ms) : 1", threshold="v > 1", reset="v = 0",
                       name="g")
spikes = b2.SpikeMonitor(group, name="s")
b2.Network(group, spikes).run(50 * b2.ms, namespace={})
directory = device.build_dir("shared_net")
print("compile_s", device.build(directory), flush=True)
device.run(directory, {group.v: [0.5, 0.2, 0.0]})
print("spikes", list(spikes.t_[:]), flush=True)
k = 0
while not Path(sys.argv[1]).exists():   # runs: their run-argument files come and go
    k += 1
    device.run(directory, {group.v: [0.01 * (k % 50), 0.3, 0.1]})
"""


@pytest.mark.standalone
def test_a_second_process_starts_from_the_first_ones_compiled_copy(tmp_path):
    """Two processes build the same network at once (Dask workers, xdist workers): the second
    waits for the first one's compilation, copies it into its own folder (name~2) while the
    first runs its binary again and again (run-argument files written and deleted) and
    recompiles no object file; its binary runs the same simulation."""
    import os
    import subprocess
    import sys
    import time
    env = dict(os.environ, SPIKING_EM_BRIAN2_CACHE=str(tmp_path / "cache"),
               SPIKING_EM_COMPILE_JOBS="1")
    done = tmp_path / "done"
    first = subprocess.Popen([sys.executable, "-c", _BUILD_AND_HOLD, str(done)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    cache = tmp_path / "cache"
    deadline = time.monotonic() + 120
    while (not (cache / "shared_net" / device.BUILDING_MARK).exists() and first.poll() is None
           and time.monotonic() < deadline):
        time.sleep(0.05)
    assert (cache / "shared_net" / device.BUILDING_MARK).exists(), "the first never compiled"
    (tmp_path / "go").touch()   # the second exits when it has run
    second = subprocess.run([sys.executable, "-c", _BUILD_AND_HOLD, str(tmp_path / "go")],
                            env=env, capture_output=True, text=True, timeout=300)
    done.touch()
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, (err, second.stderr)
    assert "waiting for" in second.stderr and "compiled copy in shared_net" in second.stderr
    assert (cache / "shared_net~2" / device.BUILT_MARK).exists()
    spikes = [ln for ln in out.splitlines() if ln.startswith("spikes")]
    assert spikes and spikes == [ln for ln in second.stdout.splitlines()
                                 if ln.startswith("spikes")]
    objects = sorted(p.relative_to(cache / "shared_net") for p in (cache / "shared_net")
                     .rglob("*.o"))
    assert objects
    recompiled = [str(p) for p in objects if (cache / "shared_net~2" / p).stat().st_mtime
                  != (cache / "shared_net" / p).stat().st_mtime]
    assert not recompiled, recompiled


def test_the_copy_leaves_the_owners_runs_behind(tmp_path, monkeypatch):
    """A sibling's copy takes its code and build, not its results, lock, marks or the run
    arguments its owner writes and deletes around every run, and a file deleted while it is
    copied is skipped (what made the first version fail in CI)."""
    import shutil
    sibling, fresh = tmp_path / "net", tmp_path / "net~2"
    (sibling / "static_arrays").mkdir(parents=True)
    (sibling / "results").mkdir()
    for name in ("main", "main.o", "static_arrays/_static_array__a", "results/spikes",
                 "static_arrays/init_v_0123.dat", ".lock", device.BUILT_MARK, "vanishing.o"):
        (sibling / name).write_text(name)
    fresh.mkdir()
    copy2 = shutil.copy2

    def owner_deletes_meanwhile(source, target):
        if source.endswith("vanishing.o"):
            (sibling / "vanishing.o").unlink()
        return copy2(source, target)

    monkeypatch.setattr(shutil, "copy2", owner_deletes_meanwhile)
    assert device._copy_built_sibling(fresh)
    copied = sorted(str(p.relative_to(fresh)) for p in fresh.rglob("*") if p.is_file())
    assert copied == ["main", "main.o", "static_arrays/_static_array__a"]
    assert (fresh / "main.o").stat().st_mtime == (sibling / "main.o").stat().st_mtime
    with pytest.raises(FileNotFoundError):   # a missing target folder is still an error
        device._copy_unless_gone(str(sibling / "main"), str(tmp_path / "no" / "main"))
