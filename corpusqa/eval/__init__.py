"""Gold sets, metrics (pure functions) and reports."""
