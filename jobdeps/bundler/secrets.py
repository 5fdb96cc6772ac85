"""Files that must never ship: credentials and private keys.

:func:`find_secret` says why a file is a secret, by its name or path first and
then by its content (a private-key block in the first MiB, or a JSON document
with a ``private_key``). The rules err on the side of refusing: a refused file
ships only when the user names it with ``--allow``.

Decisions:

- ``.env`` and ``.env.*`` are secrets, except the conventional templates
  ``.env.example``, ``.env.sample``, ``.env.template`` and ``.env.dist``
  (they are committed on purpose and hold no values). A template that does
  hold a key is still caught by the content rule.
- ``*.pem`` is refused even though it may be a public certificate: telling the
  two apart is guesswork and a certificate is rarely job code.
- SSH keys ``id_rsa*``, ``id_dsa*``, ``id_ecdsa*``, ``id_ed25519*``, but not
  their ``.pub`` halves.
- Anything under a ``.aws/``, ``.ssh/``, ``.gnupg/`` or ``.kube/`` folder,
  and the Yandex Cloud CLI profile folder ``.config/yandex-cloud/``.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import os
import re
from collections.abc import Collection, Iterable
from pathlib import Path, PurePosixPath

from jobdeps.analyzer.findings import Finding, finding

__all__ = ["CONTENT_LIMIT", "check_secrets", "find_secret", "is_allowed"]

CONTENT_LIMIT = 1024 * 1024  # bytes of a file the content rules look at

_ENV_TEMPLATES = frozenset({".env.example", ".env.sample", ".env.template", ".env.dist"})

# (glob on the lower-cased file name, reason); first match wins.
_NAME_RULES: tuple[tuple[str, str], ...] = (
    ("*.pem", "PEM key or certificate file"),
    ("*.key", "private key file"),
    ("*.p12", "PKCS#12 key store"),
    ("*.pfx", "PKCS#12 key store"),
    (".netrc", "netrc credentials"),
    ("_netrc", "netrc credentials"),
    (".pypirc", "PyPI credentials"),
    (".git-credentials", "git credentials"),
    (".pgpass", "PostgreSQL password file"),
    ("credentials*.json", "credentials JSON file"),
    ("*service-account*.json", "service account key JSON file"),
    ("*service_account*.json", "service account key JSON file"),
    ("client_secret*.json", "OAuth client secret JSON file"),
)

_SSH_KEY = re.compile(r"^id_(rsa|dsa|ecdsa|ed25519)(?!.*\.pub$)")

_SECRET_DIRS: dict[str, str] = {
    ".aws": "file under .aws/",
    ".ssh": "file under .ssh/",
    ".gnupg": "file under .gnupg/",
    ".kube": "file under .kube/",
}

# Written so that this module's own text does not match it.
_PRIVATE_KEY_BLOCK = re.compile(
    rb"-{5}BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-{5}"
    # then, after optional header lines or escaped newlines, a run of base64
    rb"[\s\S]{0,400}?[A-Za-z0-9+/]{32}"
)


def _name_reason(rel_posix: str) -> str | None:
    parts = PurePosixPath(rel_posix).parts
    if not parts:
        return None
    lowered = [p.lower() for p in parts]
    for part in lowered[:-1]:
        if part in _SECRET_DIRS:
            return _SECRET_DIRS[part]
    for a, b in itertools.pairwise(lowered[:-1]):
        if (a, b) == (".config", "yandex-cloud"):
            return "Yandex Cloud CLI profile"
    name = lowered[-1]
    if name == ".env" or (name.startswith(".env.") and name not in _ENV_TEMPLATES):
        return "dotenv file"
    if _SSH_KEY.match(name):
        return "SSH private key"
    for pattern, reason in _NAME_RULES:
        if fnmatch.fnmatchcase(name, pattern):
            return reason
    return None


def _json_private_key(head: bytes, complete: bool) -> bool:
    """A JSON object with a non-empty ``private_key`` (GCP, Yandex Cloud keys)."""
    if not complete:
        return False
    try:
        data = json.loads(head.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return False
    return (
        isinstance(data, dict)
        and isinstance(data.get("private_key"), str)
        and bool(data["private_key"].strip())
    )


def _content_reason(path: Path) -> str | None:
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(CONTENT_LIMIT + 1)
    except OSError:
        return None
    complete = len(head) <= CONTENT_LIMIT
    head = head[:CONTENT_LIMIT]
    if _PRIVATE_KEY_BLOCK.search(head):
        return "private key block"
    if path.name.lower().endswith(".json") and _json_private_key(head, complete):
        return "credentials JSON with a private_key"
    return None


def find_secret(rel_posix: str, path: Path) -> str | None:
    """Why the file is a secret (``"dotenv file"``, ``"private key block"``...), or None.

    ``rel_posix`` is the file's path relative to the project root (name rules);
    ``path`` is where to read it (content rules). An unreadable file is judged
    by its name only. A symbolic link (or a file in a linked folder) is judged by
    the name of what it points at too: ``conf/settings.cfg -> ../.env`` ships the
    ``.env``.
    """
    reason = _name_reason(rel_posix)
    if reason is None:
        # where it really is: its name and the two folders above it, as the name rules
        # read folders too (``.aws/credentials``); not the target's whole path, and only
        # when a link changes them (a project under a linked /tmp changes nothing here)
        real = PurePosixPath(Path(os.path.realpath(path)).as_posix()).parts[-3:]
        seen = PurePosixPath(Path(os.path.abspath(path)).as_posix()).parts[-3:]
        if real != seen:
            reason = _name_reason("/".join(real))
    return reason or _content_reason(Path(path))


def is_allowed(rel_posix: str, allow: Collection[str]) -> bool:
    """Whether ``--allow`` names this file, or a folder that holds it."""
    rel = PurePosixPath(rel_posix)
    for entry in allow:
        allowed = PurePosixPath(entry.strip("/") or ".")
        if rel == allowed or allowed in rel.parents:
            return True
    return False


def check_secrets(files: Iterable[tuple[str, Path]], allow: Collection[str] = ()) -> list[Finding]:
    """A ``BND001`` finding for each secret in ``files`` (rel posix, path) not allowed."""
    found: list[Finding] = []
    for rel, path in files:
        if is_allowed(rel, allow):
            continue
        reason = find_secret(rel, path)
        if reason is not None:
            found.append(finding("BND001", f"refusing to ship {rel}: {reason}", path=rel))
    return sorted(found, key=Finding.sort_key)
