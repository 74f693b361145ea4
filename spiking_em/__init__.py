"""spiking-em: Bengio et al. (2015), *Towards Biologically Plausible Deep Learning*, as software.

Subpackages follow the paper's parts:

- :mod:`spiking_em.model`: the rate model of Algorithm 2 (layers, INFERENCE, the local-target
  M-step, sampling, TRAIN and its checkpoints);
- :mod:`spiking_em.evaluation`: Parzen log-likelihood and the evaluation protocol;
- :mod:`spiking_em.data`: MNIST loaders, embedded glyph digits, corruptions;
- :mod:`spiking_em.stdp`: the rule of Fig. 1 in numpy and as a Brian2 synapse;
- :mod:`spiking_em.spiking`: the model as Brian2 areas of LIF neurons;
- :mod:`spiking_em.experiments`: the demo, rate vs spikes, the corruption study, figures.

The main entry points are importable from the top level (loaded on first use, so that
``import spiking_em`` stays light): ``train``, ``evaluate_model``, ``TrainedModel``,
``TrainConfig``, ``InferenceConfig``, ``infer``, ``generate``, ``inpaint``, ``load_dataset``.
"""
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("spiking-em")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

#: public name -> (module, attribute)
_PUBLIC = {
    "train": ("spiking_em.model.training", "train"),
    "TrainedModel": ("spiking_em.model.trained", "TrainedModel"),
    "TrainConfig": ("spiking_em.model.config", "TrainConfig"),
    "InferenceConfig": ("spiking_em.model.config", "InferenceConfig"),
    "infer": ("spiking_em.model.inference", "infer"),
    "generate": ("spiking_em.model.sampling", "generate"),
    "inpaint": ("spiking_em.model.sampling", "inpaint"),
    "evaluate_model": ("spiking_em.evaluation.evaluate", "evaluate_model"),
    "load_dataset": ("spiking_em.data.loaders", "load"),
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    if name in _PUBLIC:
        module, attribute = _PUBLIC[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'spiking_em' has no attribute {name!r}")
