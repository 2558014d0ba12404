"""A target's secret (an API key): from the environment, or from a file only its owner can
read. Never from the command line (other users see it in `ps`) nor from the config, which
is shared, copied and committed."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from audiopaper.deliver.base import DeliveryFailed, env_name


def read_secret(target: str, options: dict[str, Any]) -> str:
    """The key for `target`: api_key_file if the config names one, else the environment
    variable api_key_env (default AUDIOPAPER_<NAME>_API_KEY). DeliveryFailed says how to fix."""
    if options.get("api_key_file"):
        return _from_file(Path(os.path.expanduser(options["api_key_file"])))
    variable = options.get("api_key_env") or env_name(target)
    value = os.environ.get(variable, "").strip()
    if not value:
        raise DeliveryFailed(
            f"no API key: set ${variable}, or name a file only you can read (chmod 600) as api_key_file"
        )
    return value


def _from_file(path: Path) -> str:
    try:
        info = path.stat()
    except OSError as exc:
        raise DeliveryFailed(f"cannot read api_key_file {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise DeliveryFailed(f"api_key_file {path} is not a file")
    if info.st_mode & 0o077:
        raise DeliveryFailed(
            f"api_key_file {path} can be read by others (mode {stat.S_IMODE(info.st_mode):o}): chmod 600 it"
        )
    if info.st_uid != os.getuid():
        raise DeliveryFailed(f"api_key_file {path} belongs to another user: it must be yours, mode 600")
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise DeliveryFailed(f"cannot read api_key_file {path}: {exc}") from None
    if not value:
        raise DeliveryFailed(f"api_key_file {path} is empty")
    return value
