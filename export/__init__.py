"""Export: what analysts get after each publish: CSV, Parquet, a data package, a DuckDB copy, the codebook.

Public API: `package.write_exports` (-> `Exported`) and the `codebook` module.
"""
