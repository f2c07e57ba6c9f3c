"""Gradio web chat: wiring only; rendering helpers are pure functions."""
