"""spiking-em: Bengio et al. (2015), *Towards Biologically Plausible Deep Learning*, as software.

Rate model of Algorithm 2 (inference by difference target propagation, variational-EM
training with local denoising targets, generation and in-painting), the STDP rule of Fig. 1,
and Brian2 spiking simulations built on them.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("spiking-em")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
