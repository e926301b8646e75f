"""The report of a run directory: `build` assembles it, `markdown` and `html` render it."""
