"""living layer: trial sequential analysis per question, change tracking across builds, watch, feed.

- :mod:`.tsa` — TSA of a question (``immunograde tsa``) and "what would it take" from registered trials
- :mod:`.appraisal` — the appraisal with the TSA fed to imprecision
- :mod:`.history` — per-build records and change records in ``var/history.duckdb`` (a separate file,
  because ``kb build`` replaces the knowledge base atomically), ``immunograde diff``
- :mod:`.watch` — ``immunograde watch FOLDER``; :mod:`.feed` — Atom feed; :mod:`.charts` — TSA and
  cumulative plots
"""
