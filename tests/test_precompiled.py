"""The precompiled header: used by every code object, rebuilt with any header, and the same
spikes as Brian2's own build."""
import os
import subprocess

import numpy as np
import pytest

from spiking_em.spiking import device, precompiled

pytestmark = pytest.mark.standalone


def _poisson_network(directory, make_args=None):
    """Build and run a small Poisson -> LIF network (its noise from Brian2's compiled-in
    seed); returns the LIF spike times (ms) and indices."""
    import brian2 as b2
    device.activate_standalone(7)
    source = b2.PoissonGroup(40, rates=80 * b2.Hz, name="source")
    lif = b2.NeuronGroup(10, "dv/dt = -v / (10*ms) : 1", threshold="v > 1", reset="v = 0",
                         method="exact", name="lif")
    syn = b2.Synapses(source, lif, "w : 1", on_pre="v += w", name="syn")
    syn.connect(p=0.5)
    syn.w = "0.3 * rand()"
    spikes = b2.SpikeMonitor(lif, name="spikes")
    b2.Network(source, lif, syn, spikes).run(200 * b2.ms, namespace={})
    if make_args is None:
        device.build(directory)
    else:   # Brian2's own makefile alone
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = make_args
        b2.device.build(directory=str(directory), compile=True, run=False, debug=False)
    device.run(directory, {})
    result = np.asarray(spikes.t / b2.ms), np.asarray(spikes.i)
    device.reset()
    return result


def _make(directory, *args, **env):
    return subprocess.run(["make", "-f", "makefile", "-f", precompiled.FRAGMENT_FILE, "DEPS=",
                           *args], cwd=directory, capture_output=True, text=True,
                          env={**os.environ, **env})


def test_same_spikes_as_brian2s_own_build_and_the_header_is_used(tmp_path, monkeypatch,
                                                                 brian2_reset):
    monkeypatch.setenv(device.COMPILE_JOBS_VAR, "1")
    t_pch, i_pch = _poisson_network(tmp_path / "pch")
    t_own, i_own = _poisson_network(tmp_path / "own", ["-j1"])
    assert len(t_pch) > 20
    np.testing.assert_array_equal(t_pch, t_own)
    np.testing.assert_array_equal(i_pch, i_own)
    assert not (tmp_path / "own" / "pch.h.gch").exists()

    folder = tmp_path / "pch"
    assert (folder / "pch.h.gch").exists()
    assert _make(folder, "-q").returncode == 0, "the build left make with work to do"
    # gcc -H marks a precompiled header it used with '!'; recompile one code object
    code_object = sorted((folder / "code_objects").glob("*.cpp"))[0]
    shown = _make(folder, "-B", "-o", "pch.h.gch", "CXX=g++ -H",
                  str(code_object.with_suffix(".o").relative_to(folder)))
    assert shown.returncode == 0, shown.stderr
    assert "! ./pch.h.gch" in shown.stderr
    assert "-O0" in _make(folder, "-n", "-B", "-o", "pch.h.gch", "objects.o").stdout

    # a header changed after the build rebuilds the precompiled header and every object
    header = folder / "brianlib" / "common_math.h"
    later = header.stat().st_mtime + 10
    os.utime(header, (later, later))
    plan = _make(folder, "-n").stdout
    assert "pch.h.gch" in plan and code_object.name in plan and "objects.cpp" in plan


def test_prepare_keeps_unchanged_files(tmp_path):
    """Rewriting an unchanged header would make every build a full rebuild."""
    args = precompiled.prepare(tmp_path)
    assert args[-1] == "DEPS=" and precompiled.FRAGMENT_FILE in args
    stamp = (tmp_path / precompiled.HEADER_FILE).stat().st_mtime_ns
    os.utime(tmp_path / precompiled.HEADER_FILE, ns=(stamp - 10**9, stamp - 10**9))
    precompiled.prepare(tmp_path)
    assert (tmp_path / precompiled.HEADER_FILE).stat().st_mtime_ns == stamp - 10**9
    (tmp_path / precompiled.HEADER_FILE).write_text("// stale\n")
    precompiled.prepare(tmp_path)
    assert (tmp_path / precompiled.HEADER_FILE).read_text() == precompiled.HEADER
