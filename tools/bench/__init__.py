"""Benchmarks, run with `make bench` (`python -m bench [section]`); not part of `make test`."""
