"""Benchmarks, run with `make bench` (`python -m tools.bench [section]`); not part of
`make test`."""
