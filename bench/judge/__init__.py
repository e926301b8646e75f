"""Judgement: verdicts on results: the accuracy baseline and gate, run-to-run comparison, and
`verify`, the proof that every backend trains the same network."""
