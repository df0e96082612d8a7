"""Folders and files that only the service's user may read: the SQLite database and the generated secrets.

Modes are set explicitly after creation, so they come out 700/600 whatever the umask; folders and files that
already exist are the operator's and are left as they are.
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> None:
    """Create `path` and its missing parents, each readable by its owner only."""
    missing: list[Path] = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(mode=FOLDER_MODE, exist_ok=True)
        created.chmod(FOLDER_MODE)


def create_private_file(path: Path) -> bool:
    """Create an empty file readable by its owner only; False (and nothing changed) when it already exists."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)
    return True
