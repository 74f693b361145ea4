"""Data: MNIST-family loaders (IDX files, checksums, search path), the embedded glyph digits,
and the corruptions used for denoising training.

``spiking_em.data.load("mnist")`` and the other loader names are re-exported from
:mod:`spiking_em.data.loaders`.
"""
from spiking_em.data.loaders import (
                                     ENV_VAR,
                                     FILES,
                                     MD5,
                                     N_TRAIN,
                                     DataCorruptError,
                                     DataNotFoundError,
                                     Dataset,
                                     candidate_dirs,
                                     load,
                                     locate,
                                     md5sum,
                                     read_idx,
                                     user_cache_dir,
)

__all__ = ["ENV_VAR", "FILES", "MD5", "N_TRAIN", "DataCorruptError", "Dataset",
           "DataNotFoundError", "candidate_dirs", "load", "locate", "md5sum", "read_idx",
           "user_cache_dir"]
