"""`python -m flaskr_dev`: what `make run` does."""

import sys

from .run import main

sys.exit(main())
