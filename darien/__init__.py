"""Shared pieces every stage may import: the warehouse contract, the configuration, country reference data."""
