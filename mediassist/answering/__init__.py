"""Answering a question from the lines of a summary: scored by signals that generalise, calibrated on data."""
