"""The fault matrix of the command line: every class of bad input or failure, over every entry
point it can reach, ends in exit code 2 and one line on stderr that names the file or option
(no traceback), before any work starts; no command overwrites results unasked."""
from __future__ import annotations

import gzip
import json
import os
import re
import zipfile

import numpy as np
import pytest

from spiking_em import cli, commands
from spiking_em.cli import main
from spiking_em.data.glyphs import glyph_dataset
from spiking_em.model import checkpoint
from spiking_em.model.config import TrainConfig
from spiking_em.model.training import train

TINY = ["--n-hidden1", "16", "--n-hidden2", "4", "--batch-size", "50", "--optimizer", "adam",
        "--learning-rate", "1e-3"]


@pytest.fixture(scope="module")
def tiny_glyphs():
    return glyph_dataset(n_train=200, n_valid=100, n_test=100, seed=5)


@pytest.fixture
def fast_data(monkeypatch, tiny_glyphs):
    """The CLI's data loader, counted: a fault found before work never loads data."""
    calls = []

    def load(name, data_dir, *, download):
        calls.append(name)
        return tiny_glyphs
    monkeypatch.setattr(commands, "load_dataset", load)
    return calls


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory, tiny_glyphs):
    run = tmp_path_factory.mktemp("run")
    config = TrainConfig.paper(n_hidden1=16, n_hidden2=4, epochs=1, batch_size=50,
                               optimizer="adam", learning_rate=1e-3)
    train(tiny_glyphs.train, tiny_glyphs.valid, config, seed=0, out_dir=run,
          dataset_name="glyphs")
    return run


def one_line_error(capsys, *needles) -> str:
    """The error: stderr's one line that says ``error:``, its last; progress bars may precede."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in re.split(r"[\r\n]", err) if line.strip()]
    errors = [line for line in lines if "error:" in line]
    assert len(errors) == 1 and errors[0] == lines[-1], err
    for needle in needles:
        assert needle in errors[0], err
    return errors[0]


# -- corrupt model and checkpoint files -----------------------------------------------------
def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _garbage(path):
    path.write_bytes(os.urandom(4096))


def _empty(path):
    path.write_bytes(b"")


def _flip_bytes(path):   # inside an array's data: zipfile's CRC check fails
    data = bytearray(path.read_bytes())
    for k in range(len(data) // 3, len(data) // 3 + 64):
        data[k] ^= 0xFF
    path.write_bytes(bytes(data))


def _no_metadata(path):
    np.savez(path.with_suffix(".tmp.npz"), w=np.zeros(3))
    path.with_suffix(".tmp.npz").replace(path)


def _bad_json(path):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(checkpoint.META_KEY + ".npy", b"\x93NUMPY garbage")


def _wrong_arrays(path):
    checkpoint.save_atomic(path, {"w_f1": np.zeros((3, 3))}, {"config": {}})


CORRUPTIONS = {"truncated": _truncate, "garbage": _garbage, "empty": _empty,
               "flipped_bytes": _flip_bytes, "no_metadata": _no_metadata,
               "bad_json": _bad_json, "wrong_arrays": _wrong_arrays}


@pytest.mark.parametrize("corrupt", sorted(CORRUPTIONS))
@pytest.mark.parametrize("entry", ["evaluate", "compare", "train --resume", "train-spiking --init"])
def test_corrupt_model_or_checkpoint(entry, corrupt, trained_run, tmp_path, capsys, fast_data):
    run = tmp_path / "run"
    run.mkdir()
    name = "checkpoint.npz" if entry == "train --resume" else "model.npz"
    target = run / name
    target.write_bytes((trained_run / name).read_bytes())
    CORRUPTIONS[corrupt](target)
    argv = {"evaluate": ["evaluate", str(run), "--quick"],
            "compare": ["compare", str(run), "--out", str(tmp_path / "cmp"), "--quick"],
            "train --resume": ["train", "--dataset", "glyphs", "--epochs", "1", *TINY,
                               "--out", str(run), "--resume"],
            "train-spiking --init": ["train-spiking", "--init", str(run), "--out",
                                     str(tmp_path / "spk")]}[entry]
    assert main(argv) == 2
    one_line_error(capsys, str(target))
    assert fast_data == []           # found before any data were loaded


# -- corrupt data files ----------------------------------------------------------------------
def _fake_mnist(directory, damage):
    from spiking_em.data.loaders import FILES
    directory.mkdir()
    for k, stem in enumerate(FILES):
        header = bytes([0, 0, 8, 3 if "images" in stem else 1])
        dims = [10, 28, 28] if "images" in stem else [10]
        body = header + b"".join(d.to_bytes(4, "big") for d in dims) + bytes(int(np.prod(dims)))
        blob = gzip.compress(body)
        if k == 0:
            blob = damage(blob)
        (directory / f"{stem}.gz").write_bytes(blob)


DATA_DAMAGE = {"truncated_gzip": lambda b: b[:len(b) // 2],
               "corrupt_deflate": lambda b: b[:20] + bytes(64) + b[84:],
               "not_gzip": lambda b: b"plain text, not gzip" * 10,
               "wrong_content": lambda b: b}   # a valid file whose checksum is not MNIST's


@pytest.mark.parametrize("damage", sorted(DATA_DAMAGE))
@pytest.mark.parametrize("entry", ["train", "evaluate", "demo"])
def test_corrupt_data(entry, damage, trained_run, tmp_path, capsys):
    data_dir = tmp_path / "mnist"
    _fake_mnist(data_dir, DATA_DAMAGE[damage])
    argv = {"train": ["train", "--dataset", "mnist", *TINY, "--out", str(tmp_path / "out")],
            "evaluate": ["evaluate", str(trained_run), "--dataset", "mnist", "--quick",
                         "--figures", str(tmp_path / "fig")],
            "demo": ["demo", "--out", str(tmp_path / "demo")]}[entry]
    assert main(argv + ["--data-dir", str(data_dir)]) == 2
    one_line_error(capsys, "train-images-idx3-ubyte.gz")


# -- unwritable or odd output paths, found before any work -----------------------------------
def _is_a_file(tmp_path):
    f = tmp_path / "taken"
    f.write_text("x")
    return str(f), "is a file"


def _under_a_file(tmp_path):
    f = tmp_path / "taken"
    f.write_text("x")
    return str(f / "sub" / "dir"), "is a file"


def _blank(tmp_path):
    return " ", "not a usable directory name"


PATHS = {"is_a_file": _is_a_file, "under_a_file": _under_a_file, "blank": _blank}
OUTPUT_OPTION = {
    "train": (["train", "--dataset", "glyphs", *TINY, "--out"], "--out"),
    "evaluate": (["evaluate", "{run}", "--quick", "--figures"], "--figures"),
    "compare": (["compare", "{run}", "--quick", "--out"], "--out"),
    "demo": (["demo", "--out"], "--out"),
    "stdp-curve": (["stdp-curve", "--quick", "--out"], "--out"),
    "train-spiking": (["train-spiking", "--dataset", "glyphs", "--out"], "--out"),
    "stdp-sgd": (["stdp-sgd", "--quick", "--out"], "--out"),
}


@pytest.mark.parametrize("kind", sorted(PATHS))
@pytest.mark.parametrize("entry", sorted(OUTPUT_OPTION))
def test_bad_output_path(entry, kind, trained_run, tmp_path, capsys, fast_data):
    prefix, option = OUTPUT_OPTION[entry]
    path, words = PATHS[kind](tmp_path)
    argv = [a.replace("{run}", str(trained_run)) for a in prefix] + [path]
    assert main(argv) == 2
    one_line_error(capsys, option, words)
    assert fast_data == []


# -- nonsense option values ------------------------------------------------------------------
NONSENSE = [
    (["train", "--out", "x", "--epochs", "0"], "--epochs"),
    (["train", "--out", "x", "--epochs", "-3"], "--epochs"),
    (["train", "--out", "x", "--batch-size", "0"], "--batch-size"),
    (["train", "--out", "x", "--n-train", "0"], "--n-train"),
    (["train", "--out", "x", "--n-hidden1", "-1"], "--n-hidden1"),
    (["train", "--out", "x", "--learning-rate", "-1e-3"], "--learning-rate"),
    (["train", "--out", "x", "--learning-rate", "nan"], "--learning-rate"),
    (["train", "--out", "x", "--window", "0"], "--window"),
    (["train", "--out", "x", "--epochs", "two"], "--epochs"),
    (["compare", "r", "--out", "x", "--n-digits", "0"], "--n-digits"),
    (["compare", "r", "--out", "x", "--n-samples", "-5"], "--n-samples"),
    (["compare", "r", "--out", "x", "--rate-digits", "-1"], "--rate-digits"),
    (["compare", "r", "--out", "x", "--clip-quantile", "1.5"], "--clip-quantile"),
    (["stdp-sgd", "--backend", "nest", "--out", "x"], "--backend"),
    (["train-spiking", "--out", "x", "--presentations", "0"], "--presentations"),
    (["train-spiking", "--out", "x", "--eta", "-1"], "--eta"),
    (["train-spiking", "--out", "x", "--teach-slots", "0"], "--teach-slots"),
    (["train-spiking", "--out", "x", "--workers", "0"], "--workers"),
    (["train-spiking", "--out", "x", "--sample-floor", "0.5", "-1"], "--sample-floor"),
    (["nonsense-command"], "COMMAND"),
]


@pytest.mark.parametrize("argv,option", NONSENSE, ids=[" ".join(a) for a, _ in NONSENSE])
def test_nonsense_option_values(argv, option, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    one_line_error(capsys, option)


def test_train_spiking_refuses_a_scheduler_that_is_not_there(tmp_path, capsys):
    """A bad --scheduler is found before any data is read or network compiled."""
    for address in ("not-an-address", "tcp://127.0.0.1:9"):
        assert main(["train-spiking", "--dataset", "glyphs", "--out", str(tmp_path / "r"),
                     "--scheduler", address]) == 2
        one_line_error(capsys, "--scheduler")
    assert not (tmp_path / "r").exists()


def test_window_with_paper_preset_names_the_option(tmp_path, capsys, fast_data):
    assert main(["train", "--dataset", "glyphs", "--window", "0.2",
                 "--out", str(tmp_path / "r")]) == 2
    one_line_error(capsys, "--window")


# -- a NaN stop, and going on from it --------------------------------------------------------
def test_nan_stop_keeps_a_checkpoint_that_can_go_on(tmp_path, capsys, fast_data):
    run = tmp_path / "run"
    diverging = ["train", "--dataset", "glyphs", "--n-hidden1", "16", "--n-hidden2", "4",
                 "--batch-size", "50", "--optimizer", "sgd", "--epochs", "1", "--out", str(run)]
    assert main(diverging + ["--learning-rate", "1e6"]) == 2
    one_line_error(capsys, "diverged", "--learning-rate", "--resume")
    assert (run / "checkpoint.npz").is_file() and not (run / "model.npz").exists()
    assert main(diverging + ["--learning-rate", "1e-2", "--resume"]) == 2
    one_line_error(capsys, "--learning-rate", "--allow-changes")
    assert main(diverging + ["--learning-rate", "1e-2", "--resume", "--allow-changes"]) == 0
    assert (run / "model.npz").is_file()


# -- no overwriting unasked; resume checks ----------------------------------------------------
def test_no_command_overwrites_without_being_asked(trained_run, tmp_path, capsys, fast_data):
    run = tmp_path / "run"
    args = ["train", "--dataset", "glyphs", "--epochs", "1", *TINY, "--out", str(run)]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 2
    one_line_error(capsys, "--out", "--resume")
    assert main(["evaluate", str(run), "--quick"]) == 0
    before = (run / "metrics.json").read_bytes()
    capsys.readouterr()
    assert main(["evaluate", str(run), "--quick"]) == 2
    one_line_error(capsys, "metrics.json", "--overwrite")
    assert (run / "metrics.json").read_bytes() == before
    assert main(["evaluate", str(run), "--quick", "--overwrite", "--seed", "1"]) == 0
    assert json.loads((run / "metrics.json").read_text())["settings"]["seed"] == 1
    out = tmp_path / "stdp"
    assert main(["stdp-curve", "--quick", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["stdp-curve", "--quick", "--out", str(out)]) == 2
    one_line_error(capsys, "stdp_curve.json", "--overwrite")


def test_resume_refuses_another_data_set_before_loading_it(trained_run, tmp_path, capsys,
                                                           fast_data):
    run = tmp_path / "run"
    run.mkdir()
    (run / "checkpoint.npz").write_bytes((trained_run / "checkpoint.npz").read_bytes())
    assert main(["train", "--dataset", "mnist", "--epochs", "1", *TINY, "--out", str(run),
                 "--resume"]) == 2
    one_line_error(capsys, "'glyphs'", "--dataset glyphs")
    assert main(["train", "--dataset", "glyphs", "--epochs", "1", *TINY, "--out",
                 str(tmp_path / "new"), "--resume"]) == 2
    one_line_error(capsys, "--resume", "checkpoint.npz")
    assert fast_data == []


# -- help -------------------------------------------------------------------------------------
def test_help_lists_the_real_commands_and_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out
    actions = cli.build_parser()._subparsers._group_actions[0].choices
    assert set(actions) == set(cli.COMMANDS)
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "(default: paper)" in out and "(default: 0)" in out


def test_out_is_created_before_work_and_removed_when_the_start_fails(tmp_path, capsys,
                                                                     fast_data):
    """--out is found bad by trying to create it (/proc refuses a new folder) before any data
    load; a start that fails after creating --out (a missing --init) leaves no empty folder."""
    assert main(["train-spiking", "--out", "/proc/spiking-em-test/run", "--dataset",
                 "glyphs"]) == 2
    one_line_error(capsys, "--out", "/proc/spiking-em-test/run")
    assert fast_data == []
    out = tmp_path / "new" / "run"
    assert main(["train-spiking", "--out", str(out), "--init", str(tmp_path / "nowhere")]) == 2
    one_line_error(capsys, "nowhere")
    assert not (tmp_path / "new").exists() and fast_data == []


def test_a_run_folder_names_the_command_that_continues_it(tmp_path, capsys, fast_data):
    """train on a train-spiking folder (and the reverse) names the other command's --resume."""
    spiking_run, rate_run = tmp_path / "spiking", tmp_path / "rate"
    spiking_run.mkdir()
    rate_run.mkdir()
    (spiking_run / "spiking_checkpoint.npz").write_bytes(b"")
    (rate_run / "checkpoint.npz").write_bytes(b"")
    assert main(["train", "--out", str(spiking_run), "--dataset", "glyphs", "--resume"]) == 2
    one_line_error(capsys, "spiking-em train-spiking --out", "--resume")
    assert main(["train-spiking", "--out", str(rate_run), "--resume"]) == 2
    one_line_error(capsys, "spiking-em train --out", "--resume")
    assert fast_data == []
