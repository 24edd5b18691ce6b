"""Extract: find SNM documents on index pages or in folders, fetch what changed, land raw bytes by sha256."""
