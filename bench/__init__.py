"""Benchmarks: run as modules from the repository root (python -m bench.benchmark), so that the repo's own
`tests` package is the one imported (textstat installs another)."""
