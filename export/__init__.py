"""Export: what analysts and the team running the pipeline get after each publish.

Public API: `write_exports` (-> `Exported`), the `codebook` module, the checks
`published_figure_warnings`, `freshness_warnings`, `silent_source_warnings`, `backup`,
and the retention policy (`RetentionPolicy`, `retention_policy`, `prune`).
"""
