"""The monitor's pure core: readings → usage per bucket → features → verdicts → suggestions.

Plain typed polars/numpy, no I/O: nothing here imports a database driver, a broker or a web
framework (``tests/unit/architecture`` checks it). ``detectors`` turns each signal (light,
temperature, location) into "in use" / "moved" per reading; ``rollup`` credits that to
time buckets; ``features``, ``rules`` and ``verdicts`` judge an asset over a window.
"""
