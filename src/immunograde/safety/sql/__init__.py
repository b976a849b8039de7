"""The counting queries: one SQL text, run unchanged by DuckDB and by Spark SQL."""
