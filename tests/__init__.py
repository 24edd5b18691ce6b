"""The test suite, a package: helpers are imported as tests.<module>, and test names need not be unique across folders."""
