"""Flows: Prefect tasks and flows that wire the stages together. The only package that imports Prefect.

`nightly`, `backfill`, `reprocess`: the flows, each the list of its stages. `tasks`: the
run-level tasks; `documents`: each document's chain of stage tasks; `run`: the frame around
a flow's stages (lock, summary, final state); `artifacts`: what a run shows in the UI;
`alerts`: the automations that tell the team; `deployments`: serving the flows; `server`:
the project's one way to start a Prefect server, and `make serve`;
`progress`: a terminal's progress bar.
"""
