"""Expectations: the Great Expectations suites that decide whether a batch may load, and quarantine."""
