"""Experiments built on the package: the demo, rate vs spikes, the corruption study, and the
figure writers."""
