"""ImmunoGrade: an open, reproducible evidence engine for immunomodulators."""

__version__ = "0.1.0"
