"""The ``immunograde`` command line: a thin typed shell over the library."""
