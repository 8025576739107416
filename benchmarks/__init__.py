"""Benchmarks of the generator and the generated client against their peers.

``python -m benchmarks`` (or ``make bench``) installs the peers into
``.cache/bench-venv``, runs every section and writes ``docs/benchmarks.md``.
Set ``BENCH_QUICK=1`` for fewer rounds.
"""
