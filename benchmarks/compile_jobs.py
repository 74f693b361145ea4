"""First-build time of a Brian2 learning network with Brian2's unbounded ``make -j``, with the
package's bound (one compile job per idle core) on Brian2's own makefile, and with the bound
and the package's precompiled header (:mod:`spiking_em.spiking.precompiled`, the default), and
the compile processes at the peak.

Each build starts from an empty build folder (a fresh cache), so every source file compiles.
A watcher thread counts the running C++ compiler processes (``cc1plus``) every 50 ms. Then a
second process builds the same network while the first still holds its folder (two Dask
workers, a second run): it gets a folder of its own and starts from the first one's compiled
copy (:func:`spiking_em.spiking.device.build`), which is what its build time measures.

    python benchmarks/compile_jobs.py --json figures/compile_jobs.json
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from spiking_em import atomic
from spiking_em.spiking import device, precompiled
from spiking_em.spiking.areas import AreaNetwork
from spiking_em.spiking.teaching import SpikingTrainConfig
from spiking_em.spiking.transfer import fitted_transfer
from spiking_em.threads import available_cores, idle_cores


def count_compilers() -> int:
    """Running C++ compiler processes (cc1plus) on this machine."""
    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as fh:
                n += fh.read().strip() == "cc1plus"
        except OSError:
            continue
    return n


class PeakWatcher:
    """Polls :func:`count_compilers` in a thread; ``peak`` is the largest count seen."""

    def __init__(self, every_s: float = 0.05):
        self.every_s, self.peak, self._stop = every_s, 0, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, count_compilers())
            time.sleep(self.every_s)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def first_build(sizes, jobs: str | None, config: SpikingTrainConfig, transfer,
                second: bool = False, precompiled_header: bool = True) -> dict:
    """Build the learning network in an empty cache with ``SPIKING_EM_COMPILE_JOBS=jobs``
    (``None``: the bound chosen from idle cores; ``"unbounded"``: Brian2's plain ``-j``);
    ``precompiled_header`` False: Brian2's makefile alone; ``second``: then time a second
    process's build of it beside this one (seconds)."""
    cache = Path(tempfile.mkdtemp(prefix="spiking-em-compile-"))
    saved = {k: os.environ.get(k) for k in ("SPIKING_EM_BRIAN2_CACHE", device.COMPILE_JOBS_VAR)}
    os.environ["SPIKING_EM_BRIAN2_CACHE"] = str(cache)
    os.environ.pop(device.COMPILE_JOBS_VAR, None)
    if jobs not in (None, "unbounded"):
        os.environ[device.COMPILE_JOBS_VAR] = jobs
    original, original_prepare = device.compile_jobs, precompiled.prepare
    if jobs == "unbounded":   # Brian2's default: make -j with no number
        device.compile_jobs = lambda: ""
    if not precompiled_header:
        precompiled.prepare = lambda directory: []
    try:
        chosen = device.compile_jobs() if jobs != "unbounded" else "unbounded"
        with PeakWatcher() as watcher:
            t0 = time.perf_counter()
            net = AreaNetwork(sizes, "spiking", config.network, transfer, seed=0,
                              learning=config.teaching)
            wall = time.perf_counter() - t0
        n_sources = len(list(Path(net.directory).rglob("*.cpp")))
        out = {"jobs": chosen, "precompiled_header": precompiled_header,
               "first_build_s": wall, "compile_s": net.compile_s,
               "peak_compilers": watcher.peak, "cpp_files": n_sources}
        if second:
            out["second_process_build_s"] = _second_process_build(sizes)
        return out
    finally:
        device.compile_jobs, precompiled.prepare = original, original_prepare
        device.reset()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(cache, ignore_errors=True)


def _second_process_build(sizes) -> float:
    """Wall time (s) of building the learning network of ``sizes`` in another process, with
    this one holding the first build folder (the cache in the environment)."""
    import subprocess
    import sys
    code = ("import time; "
            "from spiking_em.spiking.areas import AreaNetwork; "
            "from spiking_em.spiking.teaching import SpikingTrainConfig; "
            "from spiking_em.spiking.transfer import fitted_transfer; "
            "c = SpikingTrainConfig(); "
            "f, _ = fitted_transfer(c.network.lif, r_max_hz=c.network.r_max_hz); "
            "t0 = time.perf_counter(); "
            f"AreaNetwork({tuple(sizes)}, 'spiking', c.network, f, seed=0, "
            "learning=c.teaching); print(time.perf_counter() - t0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return float(proc.stdout.split()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=3, default=(784, 1000, 100))
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    config = SpikingTrainConfig()
    transfer, _ = fitted_transfer(config.network.lif, r_max_hz=config.network.r_max_hz)
    out = {"sizes": list(args.sizes), "cores": available_cores(), "idle_cores": idle_cores(),
           "network": "learning network (AreaNetwork with learning=TeachingConfig())"}
    variants = (("unbounded", "unbounded", False), ("bounded_brian2_makefile", None, False),
                ("bounded", None, True))
    for key, jobs, header in variants:
        out[key] = first_build(tuple(args.sizes), jobs, config, transfer,
                               second=key == "bounded", precompiled_header=header)
        r = out[key]
        print(f"{key:23s}: jobs {r['jobs']}, precompiled header {header}, first build "
              f"{r['first_build_s']:.1f} s, peak {r['peak_compilers']} compilers, "
              f"{r['cpp_files']} C++ files", flush=True)
    out["ratio_time_unbounded_over_bounded"] = (out["unbounded"]["first_build_s"]
                                                / out["bounded_brian2_makefile"]["first_build_s"])
    print(f"time unbounded / bounded (both Brian2's makefile): "
          f"{out['ratio_time_unbounded_over_bounded']:.2f}")
    out["ratio_time_brian2_makefile_over_precompiled"] = (
        out["bounded_brian2_makefile"]["first_build_s"] / out["bounded"]["first_build_s"])
    print(f"time Brian2's makefile / with the precompiled header (both bounded): "
          f"{out['ratio_time_brian2_makefile_over_precompiled']:.2f}")
    second = out["bounded"]["second_process_build_s"]
    out["ratio_first_build_over_second_process"] = out["bounded"]["first_build_s"] / second
    print(f"a second process's build beside the first (from its compiled copy): {second:.1f} s, "
          f"x{out['ratio_first_build_over_second_process']:.1f} faster than the first build")
    if args.json:
        atomic.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
