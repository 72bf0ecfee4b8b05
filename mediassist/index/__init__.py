"""Embedding, storing and finding the chunks of a summary."""
