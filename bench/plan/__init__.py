"""Planning: a suite (built-in or a TOML file) and the command line become the list of runs."""
