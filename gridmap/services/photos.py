"""Photos of events (事件照片): checked by their content (JPEG, PNG or WebP, whatever the name
says), size-limited, stored under the data folder (never under ``static/``), each with a copy
for residents from which the location in its EXIF (and all other metadata) is removed."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings

FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
# decompression bombs: far more pixels than any phone camera takes
MAX_PIXELS = 80_000_000


def folder(settings: Settings) -> Path:
    return Path(settings.db.data_dir) / "attachments"


def check(data: bytes, name: str, settings: Settings) -> tuple[str, str, Image.Image]:
    """The photo's format (media type, suffix) and image, or a refusal naming the file."""
    limit = settings.events.photo_max_bytes
    if len(data) > limit:
        raise InvalidInput(
            f"{name}: {len(data):,} bytes is larger than the {limit:,} bytes a photo may have",
            field="file",
        )
    if not data:
        raise InvalidInput(f"{name} is empty", field="file")
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise InvalidInput(
                f"{name}: {image.width}×{image.height} pixels is too large", field="file"
            )
        image.verify()  # reads the whole file: a truncated or forged one fails here
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(
            f"{name} is not a JPEG, PNG or WebP image (checked by its content)", field="file"
        ) from None
    if image.format not in FORMATS:
        raise InvalidInput(
            f"{name} is a {image.format} image: send JPEG, PNG or WebP", field="file"
        )
    media_type, suffix = FORMATS[image.format]
    return media_type, suffix, image


def without_metadata(image: Image.Image, image_format: str) -> bytes:
    """The image turned upright and saved again with no EXIF (GPS included) and no other
    metadata: what residents may see."""
    upright = ImageOps.exif_transpose(image)
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    buffer = io.BytesIO()
    options: dict[str, Any] = {"quality": 90} if image_format in ("JPEG", "WEBP") else {}
    clean.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def store(data: bytes, name: str, event_id: int, settings: Settings) -> dict[str, Any]:
    """Check a photo and write it (and its copy without metadata) under the data folder;
    returns the attachment record to insert (paths relative to the data folder)."""
    media_type, suffix, image = check(data, name, settings)
    digest = hashlib.sha256(data).hexdigest()
    relative = Path("attachments") / str(event_id)
    target = Path(settings.db.data_dir) / relative
    target.mkdir(parents=True, exist_ok=True, mode=0o750)
    original = relative / f"{digest}{suffix}"
    public = relative / f"{digest}.public{suffix}"
    (Path(settings.db.data_dir) / original).write_bytes(data)
    (Path(settings.db.data_dir) / public).write_bytes(without_metadata(image, image.format))
    return {
        "media_type": media_type,
        "bytes": len(data),
        "sha256": digest,
        "path": str(original),
        "public_path": str(public),
        "width": image.width,
        "height": image.height,
    }


def path_of(settings: Settings, relative: str) -> Path:
    """The file of a stored photo (paths come from the database, written by ``store``)."""
    base = Path(settings.db.data_dir).resolve()
    path = (base / relative).resolve()
    if base not in path.parents:
        raise InvalidInput("attachment path outside the data folder")
    return path
