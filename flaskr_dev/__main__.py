"""`python -m flaskr_dev`: what `make run` does; `python -m flaskr_dev provision-db`: make or
check the embedded database's users while it is stopped (deploy/flaskr-db.service runs it)."""

import os
import sys
from pathlib import Path

from flaskr.config import embedded_storage, settings

from .database import provision_main
from .run import main

if sys.argv[1:] == ["provision-db"]:
    instance = Path(os.environ.get("FLASKR_INSTANCE_PATH", "instance")).resolve()
    sys.exit(provision_main(instance, embedded_storage(settings(instance), instance)))
sys.exit(main())
