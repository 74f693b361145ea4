"""MNIST and Fashion-MNIST from the original IDX files, found, verified and split.

Search order for the four files: an explicit ``data_dir``, the ``SPIKING_EM_DATA`` environment
variable, the per-user cache (``$XDG_CACHE_HOME/spiking-em`` or ``~/.cache/spiking-em``) and,
for Fashion-MNIST, Debian's ``/usr/share/datasets/fashion-mnist``. Each directory is tried as
given and with the data set's name appended. Gzipped files are checked against their published
MD5 sums or, for re-packed copies, by the MD5 of their decompressed content; every file's IDX
header and length are checked. ``download=True`` fetches missing
files from the public mirrors into the cache.

Splits: train = first 50,000 training images, valid = last 10,000, test = the 10,000 test
images; pixels are float32 in [0, 1].
"""
from __future__ import annotations

import gzip
import hashlib
import logging
import os
import shutil
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

ENV_VAR = "SPIKING_EM_DATA"
FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
#: per file: MD5 of the published .gz, and MD5 of the decompressed IDX content. Re-packed copies
#: (e.g. Debian's dataset-fashion-mnist, whose gzip containers differ) are verified by the latter.
#: The Fashion-MNIST content sums were computed from Debian's package of the upstream files.
MD5 = {
    "mnist": {
        "train-images-idx3-ubyte": ("f68b3c2dcbeaaa9fbdd348bbdeb94873", "6bbc9ace898e44ae57da46a324031adb"),
        "train-labels-idx1-ubyte": ("d53e105ee54ea40749a09fcbcd1e9432", "a25bea736e30d166cdddb491f175f624"),
        "t10k-images-idx3-ubyte": ("9fb629c4189551a2d022fa330f9573f3", "2646ac647ad5339dbf082846283269ea"),
        "t10k-labels-idx1-ubyte": ("ec29112dd5afa0611ce80d1b7f02629c", "27ae3e4e09519cfbb04c329615203637")},
    "fashion-mnist": {
        "train-images-idx3-ubyte": ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
        "train-labels-idx1-ubyte": ("25c81989df183df01b3e8a0aad5dffbe", "9018921c3c673c538a1fc5bad174d6f9"),
        "t10k-images-idx3-ubyte": ("bef4ecab320f06d8554ea6380940ec79", "8181f5470baa50b63fa0f6fddb340f0a"),
        "t10k-labels-idx1-ubyte": ("bb300cfdad3c16e7a12a480ee83cd310", "15d484375f8d13e6eb1aabb0c3f46965")},
}
MIRRORS = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}
SYSTEM_DIRS = {"fashion-mnist": (Path("/usr/share/datasets/fashion-mnist"),)}
N_TRAIN = 50_000


class DataNotFoundError(FileNotFoundError):
    """No complete copy of the data set was found in any searched place."""


class DataCorruptError(ValueError):
    """A data file exists but its checksum, header or length is wrong."""


@dataclass(frozen=True)
class Dataset:
    """Image splits as float32 (n, 784) arrays in [0, 1], with integer labels."""

    name: str
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    train_labels: np.ndarray
    valid_labels: np.ndarray
    test_labels: np.ndarray
    source: str

    def summary(self) -> str:
        return (f"{self.name}: {len(self.train)} train / {len(self.valid)} valid / "
                f"{len(self.test)} test images from {self.source}")


def user_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "spiking-em"


def candidate_dirs(name: str, data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Every directory searched for data set ``name``, in order."""
    roots = []
    if data_dir is not None:
        roots.append(Path(data_dir))
    if os.environ.get(ENV_VAR):
        roots.append(Path(os.environ[ENV_VAR]))
    roots.append(user_cache_dir())
    dirs = []
    for root in roots:
        dirs += [root, root / name]
    dirs += list(SYSTEM_DIRS.get(name, ()))
    return dirs


def _find_file(directory: Path, stem: str) -> Path | None:
    for candidate in (directory / (stem + ".gz"), directory / stem):
        if candidate.is_file():
            return candidate
    return None


def md5sum(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_idx(path: Path, *, expected_md5: tuple[str, str] | None = None) -> np.ndarray:
    """Read one IDX file (optionally gzipped) into a uint8 array, verifying it on the way.

    ``expected_md5`` is (MD5 of the published .gz, MD5 of the decompressed content): a .gz
    matching the first is accepted as is; anything else must match the second.

    Raises
    ------
    DataCorruptError : bad magic number, a length that does not match the header (truncated
        file), or a checksum mismatch.
    """
    path = Path(path)
    gz_ok = (expected_md5 is not None and path.suffix == ".gz"
             and md5sum(path) == expected_md5[0])
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise DataCorruptError(f"cannot read {path}: {exc}; the file is corrupt or truncated") from exc
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] not in (1, 3):
        raise DataCorruptError(f"{path} is not an IDX uint8 file (bad magic number {raw[:4]!r})")
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims))
    if len(raw) - offset != expected:
        raise DataCorruptError(f"{path} holds {len(raw) - offset} bytes of data but its header "
                               f"{dims} needs {expected}: the file is truncated or corrupt")
    if expected_md5 is not None and not gz_ok:
        got = hashlib.md5(raw).hexdigest()
        if got != expected_md5[1]:
            raise DataCorruptError(f"{path}: MD5 of its content is {got}, expected "
                                   f"{expected_md5[1]}: the file is corrupt or not this data set; "
                                   "delete it and fetch it again")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def _download(name: str, target_dir: Path, timeout_s: float = 30.0) -> None:
    target_dir.mkdir(parents=True, exist_ok=True)
    for stem, (md5, _) in MD5[name].items():
        fname = stem + ".gz"
        dest = target_dir / fname
        if dest.is_file() and md5sum(dest) == md5:
            continue
        errors = []
        for mirror in MIRRORS[name]:
            try:
                logger.info("downloading %s%s", mirror, fname)
                with urllib.request.urlopen(mirror + fname, timeout=timeout_s) as resp, \
                        tempfile.NamedTemporaryFile(dir=target_dir, delete=False) as tmp:
                    shutil.copyfileobj(resp, tmp)
                if md5sum(Path(tmp.name)) != md5:
                    os.unlink(tmp.name)
                    raise DataCorruptError(f"download of {fname} from {mirror} failed its checksum")
                os.replace(tmp.name, dest)
                break
            except (OSError, DataCorruptError) as exc:
                errors.append(f"{mirror}{fname}: {exc}")
        else:
            raise DataNotFoundError(f"could not download {fname}:\n  " + "\n  ".join(errors))


def locate(name: str = "mnist", data_dir=None, *, download: bool = False) -> Path:
    """Directory holding all four files of ``name``; downloads into the cache if allowed."""
    if name not in MD5:
        raise ValueError(f"unknown data set {name!r}; choose one of {sorted(MD5)}")
    searched = candidate_dirs(name, data_dir)
    for directory in searched:
        if all(_find_file(directory, stem) for stem in FILES):
            return directory
    if download:
        target = user_cache_dir() / name
        _download(name, target)
        return target
    places = "\n  ".join(str(d) for d in searched)
    raise DataNotFoundError(
        f"{name} not found. Looked for {', '.join(f + '[.gz]' for f in FILES)} in:\n  {places}\n"
        f"Pass --data-dir DIR, set {ENV_VAR}=DIR, or allow a download (spiking-em fetch-data "
        f"--dataset {name}) on a machine with internet.")


def load(name: str = "mnist", data_dir=None, *, download: bool = False) -> Dataset:
    """Load and verify ``name`` ("mnist" or "fashion-mnist") and split it (see module doc)."""
    directory = locate(name, data_dir, download=download)
    arrays = {}
    for stem in FILES:
        path = _find_file(directory, stem)
        arrays[stem] = read_idx(path, expected_md5=MD5[name][stem])
    train_x, train_y = arrays[FILES[0]], arrays[FILES[1]]
    test_x, test_y = arrays[FILES[2]], arrays[FILES[3]]
    if len(train_x) != len(train_y) or len(test_x) != len(test_y) or train_x.shape[1:] != (28, 28):
        raise DataCorruptError(f"{directory}: image and label files do not match "
                               f"({train_x.shape}, {train_y.shape}, {test_x.shape}, {test_y.shape})")

    def flat(a):
        return a.reshape(len(a), -1).astype(np.float32) / 255.0

    logger.info("loaded %s from %s", name, directory)
    return Dataset(name=name, train=flat(train_x[:N_TRAIN]), valid=flat(train_x[N_TRAIN:]),
                   test=flat(test_x), train_labels=train_y[:N_TRAIN].astype(np.int64),
                   valid_labels=train_y[N_TRAIN:].astype(np.int64),
                   test_labels=test_y.astype(np.int64), source=str(directory))
