"""Benchmark harness for zsctl: synthetic corpus generator, verifier and figure runner."""
