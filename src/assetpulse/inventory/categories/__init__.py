"""GB/T 14885 category codes: the official code table and the 2010 → 2022 correspondence,
loaded by an administrator from a file (``table`` checks rows, ``store`` writes them)."""
