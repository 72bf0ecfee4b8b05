"""Who is asking: an API key's owner, or else a browser session; and the key that signs the sessions."""
from __future__ import annotations

import hashlib
import os
import secrets
import uuid
from pathlib import Path

from flask import g, request, session

from errors import Unauthorized

from .context import get_settings

BROWSER_OWNER_PREFIX = "session:"


def stored_secret_key(data_dir: Path) -> str:
    """Generated once and kept under DATA_DIR, so sessions survive restarts and are shared by workers.
    Written whole to a private temporary file, then linked into place: a worker starting at the same
    moment sees either no key file or the complete one, never an empty one."""
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        draft = data_dir / f".secret_key.{uuid.uuid4().hex}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_hex(32).encode("ascii"))
        finally:
            os.close(fd)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another worker's key won
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()


def current_owner() -> str:
    """Documents belong to an API key (when keys are configured) or else to a browser session."""
    keys = get_settings().api_keys
    if keys:
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer "):].strip() if header.startswith("Bearer ") else ""
        if not any(secrets.compare_digest(token, key) for key in keys):
            raise Unauthorized("A valid API key is required: send 'Authorization: Bearer <key>'.")
        g.owner = owner_for_key(token)
        return g.owner
    if "owner" not in session:
        session["owner"] = uuid.uuid4().hex
        session.permanent = True
    g.owner = BROWSER_OWNER_PREFIX + session["owner"]
    return g.owner


def owner_for_key(key: str) -> str:
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def is_browser_owner(owner: str) -> bool:
    return owner.startswith(BROWSER_OWNER_PREFIX)
