"""Judging a model: Parzen log-likelihood, the evaluation protocol of Sec. 7, shared metrics."""
