"""A real MongoDB's backup: `mongodump`/`mongorestore` (MongoDB Database Tools) when installed.

The URI, password included, reaches the tools in a file of mode 0600 (`--config`), never on
their command line, where any local user could read it in the process list.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from .archive import Refused

TOOLS = "https://www.mongodb.com/try/download/database-tools"
MAGIC = (0x8199E26D).to_bytes(4, "little")  # how a mongodump archive begins


def is_archive(path: Path) -> bool:
    """Whether `path` is a gzipped mongodump archive (`mongodump --archive --gzip`)."""
    try:
        with gzip.open(path) as f:
            return f.read(4) == MAGIC
    except (OSError, EOFError):
        return False


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Refused(
            f"{name} is not on the PATH: a MongoDB server is backed up and restored with "
            f"MongoDB Database Tools ({TOOLS}); install them, or use the embedded database"
        )
    return found


@contextlib.contextmanager
def _uri_file(uri: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="flaskr-dump-") as folder:
        path = Path(folder) / "uri.yaml"
        # A JSON string is a YAML string; the folder is 0700, so the file is ours alone.
        path.write_text(f"uri: {json.dumps(uri)}\n")
        path.chmod(0o600)
        yield str(path)


def _run(command: list[str], uri: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()] or ["(no output)"]
        reason = lines[-1]
        password = urlsplit(uri).password
        if password:
            reason = reason.replace(password, "***")
        raise Refused(f"{Path(command[0]).name} failed (exit {done.returncode}): {reason}")


def backup(uri: str, target: Path) -> None:
    """`mongodump` of the URI's database into the gzipped archive `target`."""
    tool = _tool("mongodump")
    partial = target.with_name(target.name + ".partial")
    try:
        with _uri_file(uri) as config:
            _run([tool, f"--config={config}", f"--archive={partial}", "--gzip"], uri)
        partial.chmod(0o600)
        os.link(partial, target)  # fails rather than replace a file of the same name
    finally:
        partial.unlink(missing_ok=True)


def restore(uri: str, archive: Path, database: str, replace: bool) -> None:
    """`mongorestore` of `archive` into `database`, dropping its collections first if `replace`."""
    tool = _tool("mongorestore")
    command = [tool, f"--archive={archive}", "--gzip", f"--nsInclude={database}.*"]
    if replace:
        command.append("--drop")
    with _uri_file(uri) as config:
        _run([*command[:1], f"--config={config}", *command[1:]], uri)
