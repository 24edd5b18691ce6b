"""Load: the warehouse schema, the document ledger, and the publish of validated batches."""
