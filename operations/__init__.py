"""Operations: what the team running the pipeline needs besides the data.

`checks` (published figures, freshness, silent sources: the run's warnings), `backup` (a
consistent copy of a DuckDB warehouse), `retention` (how long files under the data folder
are kept, and the pruning that applies it) and `unknown_tables` (the rows of tables the parser
does not know, kept for a person to read).
"""
