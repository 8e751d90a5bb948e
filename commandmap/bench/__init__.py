"""Benchmark suites behind `commandmap bench`."""
