"""Shared pieces every stage may import: the warehouse contract and the configuration."""
