"""Flows: Prefect tasks and flows that wire the stages together. The only package that imports Prefect."""
