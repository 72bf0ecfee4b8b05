"""Plain words: the glossary of medical shorthand, plain readings of summary lines, the daily timetable."""
