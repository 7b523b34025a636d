"""Benchmarks and the soak: `make bench`, `make soak` (see the README's Performance section)."""
