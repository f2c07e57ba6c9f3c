"""Hostile input, damaged files and killed processes: one clear message, nothing lost."""
