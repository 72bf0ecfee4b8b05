"""The discharge plan: medicines, follow-ups, tests and instructions, read without a language model."""
from discharge_plan import extract_plan  # noqa: F401  (moves here)
