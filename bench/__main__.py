"""`python -m bench` is the `nnbench` command."""

import sys

from bench.cli import main

sys.exit(main())
