"""An embedded, download-free digit data set: glyphs rendered from the fonts matplotlib ships.

Each digit 0-9 is rendered once per font (16 faces) at 4x resolution. Each example applies a
random affine map (rotation, anisotropic scale, shear) and a random stroke width (grey
dilation or erosion), is box-filtered to 28 x 28, bent by an elastic distortion (a smoothed
random displacement field, Simard et al. 2003, sigma 4 px, amplitude 0-``ELASTIC_ALPHA``),
and normalised as MNIST was: the ink's bounding box scaled to fit 20 x 20 (aspect kept) and
placed by its centre of mass at the centre of the 28 x 28 field, values in [0, 1].
Deterministic given the seed.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage

from spiking_em.data.loaders import Dataset
from spiking_em.validation import check_positive_int

FONTS = (("DejaVu Sans", "normal", "normal"), ("DejaVu Sans", "bold", "normal"),
         ("DejaVu Sans", "normal", "oblique"), ("DejaVu Serif", "normal", "normal"),
         ("DejaVu Serif", "bold", "normal"), ("DejaVu Sans Mono", "normal", "normal"),
         ("DejaVu Sans Mono", "bold", "normal"), ("STIXGeneral", "normal", "normal"),
         ("STIXGeneral", "normal", "italic"), ("cmr10", "normal", "normal"),
         ("cmss10", "normal", "normal"), ("cmtt10", "normal", "normal"),
         ("cmb10", "normal", "normal"), ("DejaVu Sans", "light", "normal"),
         ("DejaVu Serif", "normal", "italic"), ("STIXGeneral", "bold", "normal"))
ELASTIC_SIGMA = 4.0    # smoothing of the displacement field, pixels of the 28 x 28 image
ELASTIC_ALPHA = 34.0   # largest amplitude of the field (Simard et al. 2003 use 34 on MNIST)
HIRES = 112  # 4 x 28
#: train / valid / test sizes of the default glyph data set (``--dataset glyphs``)
DEFAULT_SPLIT = (10_000, 2_000, 2_000)


def _render_templates() -> np.ndarray:
    """(n_fonts, 10, HIRES, HIRES) float arrays in [0, 1], each glyph centred in 80 x 80."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    templates = np.zeros((len(FONTS), 10, HIRES, HIRES), dtype=np.float32)
    for i, (family, weight, style) in enumerate(FONTS):
        for digit in range(10):
            fig = Figure(figsize=(1, 1), dpi=HIRES)
            canvas = FigureCanvasAgg(fig)
            fig.text(0.5, 0.5, str(digit), ha="center", va="center", fontsize=60,
                     family=family, weight=weight, style=style)
            canvas.draw()
            img = 1.0 - np.asarray(canvas.buffer_rgba())[..., 0].astype(np.float32) / 255.0
            ys, xs = np.nonzero(img > 0.1)
            crop = img[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
            scale = 80.0 / max(crop.shape)
            crop = np.clip(ndimage.zoom(crop, scale, order=1), 0, 1)
            cy, cx = ndimage.center_of_mass(crop)
            out = np.zeros((HIRES, HIRES), dtype=np.float32)
            oy, ox = int(round(HIRES / 2 - cy)), int(round(HIRES / 2 - cx))
            h, w = crop.shape
            y0, x0 = max(oy, 0), max(ox, 0)
            y1, x1 = min(oy + h, HIRES), min(ox + w, HIRES)
            out[y0:y1, x0:x1] = crop[y0 - oy:y1 - oy, x0 - ox:x1 - ox]
            templates[i, digit] = out
    return templates


def _elastic(img: np.ndarray, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """``img`` resampled along a random displacement field smoothed by ELASTIC_SIGMA."""
    shape = img.shape
    dy, dx = (ndimage.gaussian_filter(rng.uniform(-1, 1, shape), ELASTIC_SIGMA) * alpha
              for _ in range(2))
    yy, xx = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    return ndimage.map_coordinates(img, (yy + dy, xx + dx), order=1, mode="constant")


def _normalise(img: np.ndarray) -> np.ndarray:
    """MNIST's normalisation: bounding box into 20 x 20 (aspect kept), centre of mass at the
    centre of 28 x 28, peak 1."""
    ys, xs = np.nonzero(img > 0.05 * img.max())
    crop = img[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    crop = np.clip(ndimage.zoom(crop, 20.0 / max(crop.shape), order=1), 0, None)
    out = np.zeros((28, 28))
    cy, cx = ndimage.center_of_mass(crop)
    oy, ox = int(round(14 - cy)), int(round(14 - cx))
    h, w = crop.shape
    y0, x0, y1, x1 = max(oy, 0), max(ox, 0), min(oy + h, 28), min(ox + w, 28)
    out[y0:y1, x0:x1] = crop[y0 - oy:y1 - oy, x0 - ox:x1 - ox]
    return np.clip(out / out.max(), 0, 1)


def render_digits(n: int, *, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` jittered digit images, (n, 784) float32 in [0, 1], and their labels (n,)."""
    n = check_positive_int("n", n)
    templates = _render_templates()
    labels = rng.integers(0, 10, n)
    fonts = rng.integers(0, len(FONTS), n)
    images = np.empty((n, 28 * 28), dtype=np.float32)
    centre = np.array([HIRES / 2, HIRES / 2])
    for k in range(n):
        angle = np.deg2rad(rng.uniform(-12, 12))
        shear = rng.uniform(-0.3, 0.3)
        scale = np.array([1.0, rng.uniform(0.7, 1.1)])
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        forward = rot @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag(scale)
        inverse = np.linalg.inv(forward)
        offset = centre - inverse @ centre
        img = ndimage.affine_transform(templates[fonts[k], labels[k]], inverse, offset=offset,
                                       order=1)
        width = rng.integers(-1, 6)
        if width > 0:
            img = ndimage.grey_dilation(img, size=(width + 1, width + 1))
        elif width < 0:
            img = ndimage.grey_erosion(img, size=(2, 2))
        small = img.reshape(28, 4, 28, 4).mean(axis=(1, 3))
        small = _elastic(small, rng.uniform(0, ELASTIC_ALPHA), rng)
        images[k] = _normalise(small).ravel() if small.max() > 0.05 else small.ravel()
    return images, labels


def cache_file(n: int, seed: int, cache_dir: Path | None = None) -> Path:
    """Where the ``n`` rendered digits of ``seed`` are kept: named by a digest of ``n``,
    ``seed``, this module's source and the versions of numpy, scipy and matplotlib (the
    fonts' rasteriser), so that a change to any of them renders afresh."""
    import hashlib

    import matplotlib
    import scipy

    from spiking_em.data.loaders import user_cache_dir
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(f"{n} {seed} {np.__version__} {scipy.__version__} "
                  f"{matplotlib.__version__}".encode())
    return Path(cache_dir or user_cache_dir() / "glyphs") / f"glyphs_{digest.hexdigest()[:16]}.npz"


def cached_digits(n: int, seed: int, cache_dir: Path | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``render_digits(n, rng=default_rng(seed))``, rendered once and kept in
    :func:`cache_file` (atomically written; a file that does not load is rendered again and
    replaced, and a cache that cannot be written is skipped)."""
    import zipfile

    from spiking_em.atomic import write_atomic
    path = cache_file(n, seed, cache_dir)
    if path.is_file():
        try:
            with np.load(path) as f:
                images, labels = f["images"], f["labels"]
            if images.shape == (n, 28 * 28) and labels.shape == (n,):
                return images, labels
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):   # truncated
            pass
    images, labels = render_digits(n, rng=np.random.default_rng(seed))
    try:
        write_atomic(path, lambda fh: np.savez_compressed(fh, images=images, labels=labels))
    except OSError:   # a read-only or full cache: the digits are rendered, just not kept
        pass
    return images, labels


def glyph_dataset(n_train: int = DEFAULT_SPLIT[0], n_valid: int = DEFAULT_SPLIT[1],
                  n_test: int = DEFAULT_SPLIT[2], *,
                  seed: int = 0, cache_dir: Path | None = None) -> Dataset:
    """The embedded default data set of ``spiking-em demo`` (no download), rendered once per
    size and seed and then loaded from :func:`cache_file` in ``cache_dir`` (default
    ``~/.cache/spiking-em/glyphs``)."""
    x, y = cached_digits(n_train + n_valid + n_test, seed, cache_dir)
    a, b = n_train, n_train + n_valid
    return Dataset(name="glyphs", train=x[:a], valid=x[a:b], test=x[b:], train_labels=y[:a],
                   valid_labels=y[a:b], test_labels=y[b:],
                   source=f"rendered from matplotlib fonts (seed {seed})")
