"""Renderers: one Message, cut to each platform's limits."""
