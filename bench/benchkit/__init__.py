"""What several benchmarks share (a package, so that `make bench`, which runs every bench/*.py, does not run it)."""
