"""`python -m benchmarks [--smoke]`: run every benchmark (see benchmarks/run.py)."""

import sys

from .run import main

sys.exit(main())
