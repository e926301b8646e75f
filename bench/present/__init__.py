"""Presentation: every number a person reads, formatted once (`format`), for the terminal
(`terminal`), the report files (`report/`) and the plots (`plots`)."""
