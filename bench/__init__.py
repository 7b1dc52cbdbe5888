"""Benchmarks, run side by side with their baselines: `make bench` (python -m bench [name ...])."""
