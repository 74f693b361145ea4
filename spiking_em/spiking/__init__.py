"""Brian2 simulations: C++ standalone networks compiled once and re-run with ``run_args``."""
