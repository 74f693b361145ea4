import gzip
import struct

import numpy as np
import pytest

from spiking_em import data


def write_idx(path, array, *, compress=True):
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    if compress:
        with gzip.open(str(path) + ".gz", "wb") as fh:
            fh.write(raw)
    else:
        path.write_bytes(raw)


def make_fake_set(directory, n_train=50_010, n_test=20, compress=False):
    """Random IDX files in the layout of the real ones (their checksums are not the real ones)."""
    rng = np.random.default_rng(0)
    directory.mkdir(parents=True, exist_ok=True)
    write_idx(directory / "train-images-idx3-ubyte", rng.integers(0, 256, (n_train, 28, 28)), compress=compress)
    write_idx(directory / "train-labels-idx1-ubyte", rng.integers(0, 10, n_train), compress=compress)
    write_idx(directory / "t10k-images-idx3-ubyte", rng.integers(0, 256, (n_test, 28, 28)), compress=compress)
    write_idx(directory / "t10k-labels-idx1-ubyte", rng.integers(0, 10, n_test), compress=compress)


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def test_missing_data_names_every_place_searched(isolated, monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, str(isolated / "env"))
    with pytest.raises(data.DataNotFoundError) as err:
        data.load("mnist", isolated / "explicit")
    msg = str(err.value)
    for place in ("explicit", "env", "cache"):
        assert place in msg
    assert "SPIKING_EM_DATA" in msg and "train-images-idx3-ubyte" in msg


def trust_fake_checksums(monkeypatch, directory, name="fashion-mnist"):
    """Register the fake files' content MD5s, as if they were the real data set."""
    import hashlib
    sums = {stem: ("0" * 32, hashlib.md5((directory / stem).read_bytes()).hexdigest())
            for stem in data.FILES}
    monkeypatch.setitem(data.MD5, name, sums)


def test_uncompressed_files_load_and_split(isolated, monkeypatch):
    make_fake_set(isolated / "fashion-mnist")
    trust_fake_checksums(monkeypatch, isolated / "fashion-mnist")
    ds = data.load("fashion-mnist", isolated)
    assert ds.train.shape == (50_000, 784) and ds.valid.shape == (10, 784)
    assert ds.test.shape == (20, 784) and ds.train.dtype == np.float32
    assert 0 <= ds.train.min() and ds.train.max() <= 1


def test_environment_variable_is_searched(isolated, monkeypatch):
    make_fake_set(isolated / "via-env")
    monkeypatch.setenv(data.ENV_VAR, str(isolated / "via-env"))
    assert data.locate("fashion-mnist") == isolated / "via-env"


@pytest.mark.mnist
def test_repacked_gzip_is_verified_by_content(isolated, mnist_path):
    """A re-compressed copy (other gzip bytes, same content) loads, as Debian's copies must."""
    d = isolated / "repacked"
    d.mkdir()
    for stem in data.FILES:
        content = gzip.open(mnist_path / (stem + ".gz")).read()
        with gzip.open(d / (stem + ".gz"), "wb", compresslevel=1) as fh:
            fh.write(content)
    assert data.md5sum(d / "t10k-labels-idx1-ubyte.gz") != data.MD5["mnist"]["t10k-labels-idx1-ubyte"][0]
    assert data.load("mnist", d).test.shape == (10_000, 784)


def test_truncated_file_raises_corrupt_error(isolated):
    make_fake_set(isolated / "t")
    path = isolated / "t" / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(data.DataCorruptError, match="truncated"):
        data.load("fashion-mnist", isolated / "t")


def test_bad_checksum_raises_corrupt_error(isolated):
    d = isolated / "gz"
    make_fake_set(d, n_train=10, n_test=10, compress=True)
    with pytest.raises(data.DataCorruptError, match="MD5 of its content"):
        data.load("mnist", d)


def test_flipped_byte_is_caught_by_the_content_checksum(isolated, monkeypatch):
    d = isolated / "flip"
    make_fake_set(d, n_train=50_010, n_test=20)
    trust_fake_checksums(monkeypatch, d)
    raw = bytearray((d / "t10k-images-idx3-ubyte").read_bytes())
    raw[-1] ^= 0xFF                     # same length, valid header, one pixel changed
    (d / "t10k-images-idx3-ubyte").write_bytes(bytes(raw))
    with pytest.raises(data.DataCorruptError, match="MD5"):
        data.load("fashion-mnist", d)


def test_not_an_idx_file(isolated):
    p = isolated / "junk"
    p.write_bytes(b"hello world, not idx")
    with pytest.raises(data.DataCorruptError, match="magic"):
        data.read_idx(p)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown data set"):
        data.locate("cifar")


@pytest.mark.mnist
def test_real_mnist_loads_with_verified_checksums(mnist_path):
    ds = data.load("mnist", mnist_path)
    assert (ds.train.shape, ds.valid.shape, ds.test.shape) == ((50_000, 784), (10_000, 784), (10_000, 784))
    assert ds.train.min() == 0 and ds.train.max() == 1
    assert np.bincount(ds.test_labels).tolist()[0] == 980   # the standard test-set class count


def test_glyphs_are_rendered_once_then_loaded_and_a_broken_cache_is_rendered_again(tmp_path):
    from spiking_em.data import glyphs
    first = glyphs.glyph_dataset(n_train=12, n_valid=4, n_test=4, seed=7, cache_dir=tmp_path)
    kept = glyphs.cache_file(20, 7, tmp_path)
    assert kept.is_file() and list(tmp_path.iterdir()) == [kept]
    rendered, labels = glyphs.render_digits(20, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(np.concatenate([first.train, first.valid, first.test]),
                                  rendered)
    np.testing.assert_array_equal(first.train_labels, labels[:12])
    stamp = kept.stat().st_mtime_ns
    again = glyphs.glyph_dataset(n_train=12, n_valid=4, n_test=4, seed=7, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.test, first.test)
    assert kept.stat().st_mtime_ns == stamp                 # loaded, not rendered again
    assert glyphs.cache_file(20, 8, tmp_path) != kept       # another seed, another file
    assert glyphs.cache_file(21, 7, tmp_path) != kept
    kept.write_bytes(kept.read_bytes()[:100])                # truncated
    broken = glyphs.glyph_dataset(n_train=12, n_valid=4, n_test=4, seed=7, cache_dir=tmp_path)
    np.testing.assert_array_equal(broken.valid, first.valid)
    with np.load(kept) as f:                                 # and replaced by a whole one
        assert f["images"].shape == (20, 784)
