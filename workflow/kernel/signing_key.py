"""The key that signs sessions, CSRF tokens and e-mail links when none is configured: made once per instance folder."""
from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

FILE_NAME = "secret_key"
# 48 bytes of token_urlsafe: 64 characters, 384 bits.
KEY_BYTES = 48


class SigningKeyError(ValueError):
    """The instance folder's key cannot be trusted (readable by others, or damaged); the message says what to do."""


def load_or_create(directory: Path, min_length: int) -> str:
    """The key kept in `directory`/secret_key, made there (owner-only) by the first process that asks.

    The key is written to a private temporary file and then linked to its name: link() fails when the
    name exists, so two processes starting together both end up reading the one key that won, and a
    reader never sees a half-written file (O_CREAT|O_EXCL alone would show it empty for a moment).
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / FILE_NAME
    if not path.exists():
        _create(path)
    return _read(path, min_length)


def _create(path: Path) -> None:
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(KEY_BYTES))
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: its key is the one everybody reads
    finally:
        temporary.unlink(missing_ok=True)


def _read(path: Path, min_length: int) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        # As ssh does with a private key: one others could read may already be known.
        raise SigningKeyError(f"{path} can be read by others (mode {mode:o}); delete it to have a new key made, "
                              f"or set SECRET_KEY")
    key = path.read_text().strip()
    if len(key) < min_length:
        raise SigningKeyError(f"{path} holds {len(key)} characters, fewer than {min_length}; delete it to have "
                              f"a new key made, or set SECRET_KEY")
    return key
