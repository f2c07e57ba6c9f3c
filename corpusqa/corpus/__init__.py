"""Load files, clean them, split pages into articles, dedupe, store in SQLite."""
