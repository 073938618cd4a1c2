"""Files the console is given (a meeting's calendar file) are saved in one folder, not in the
working directory: ``klimanet-filer/``, created when the first file arrives."""

from __future__ import annotations

from pathlib import Path

from bot.replies import Attachment

FILES_FOLDER = "klimanet-filer"


def save(attachment: Attachment, base: Path | None = None) -> Path:
    """Write the file into the folder (relative to ``base``, the working directory by default)
    under its own name, which never leaves the folder."""
    folder = (base or Path.cwd()) / FILES_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(attachment.filename).name or "fil")
    path.write_bytes(attachment.content)
    return path
