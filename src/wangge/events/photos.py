"""Photos and files that come with events, checked by content, never by name.

Every image is decoded, turned upright, re-encoded as JPEG without its metadata (so EXIF —
camera, owner, GPS — never reaches anyone else) and given a thumbnail. Its GPS position, when
the camera recorded one, is returned so a report without a location can use it.
"""

import io
import math
import uuid
from dataclasses import dataclass
from typing import IO

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wangge.errors import DomainError
from wangge.events.models import Attachment, Event

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs well before Pillow's own limit
LONG_SIDE = 2560  # stored photos are scaled down to this
THUMB_SIDE = 320
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}  # MPO: phones' multi-picture JPEG
GPS_IFD = 0x8825


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    thumbnail: bytes
    width: int
    height: int
    gps: tuple[float, float] | None  # (lon, lat) in WGS-84, as cameras record it


def _refuse(message: str, field: str, code: str) -> DomainError:
    return DomainError.one(message, field=field, code=code, status=422)


def _read(source: bytes | IO[bytes], field: str) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise _refuse(
            _("The photo is larger than %(mb)s MB.") % {"mb": MAX_PHOTO_BYTES // (1024 * 1024)},
            field,
            "too_large",
        )
    if not data:
        raise _refuse(_("The file is empty."), field, "empty")
    return data


def _degrees(value: object) -> float:
    d, m, s = (float(part) for part in value)  # type: ignore[attr-defined]
    return d + m / 60 + s / 3600


def _gps(image: Image.Image) -> tuple[float, float] | None:
    try:
        info = image.getexif().get_ifd(GPS_IFD)
        lat, lon = _degrees(info[2]), _degrees(info[4])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if info.get(1) == "S":
        lat = -lat
    if info.get(3) == "W":
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lon, lat


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)  # no exif= : metadata dropped
    return out.getvalue()


def clean_photo(source: bytes | IO[bytes], field: str = "photo") -> CleanPhoto:
    """Decode, check and re-encode one image; DomainError (422) naming `field` if it is not
    an image we accept."""
    data = _read(source, field)
    not_image = _refuse(_("The file is not an image."), field, "not_image")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise _refuse(
                    _("The photo must be a JPEG, PNG, WebP or GIF image."), field, "format"
                )
            if probe.width * probe.height > MAX_PIXELS:
                raise _refuse(_("The image has too many pixels."), field, "too_large")
            gps = _gps(probe)
            # A JPEG decodes at 1/2, 1/4 or 1/8 scale straight away when that still covers
            # the stored size: a 27-megapixel phone photo costs about what a 7-megapixel does.
            scale = LONG_SIDE / max(probe.width, probe.height)
            if scale < 1:
                stored = (math.ceil(probe.width * scale), math.ceil(probe.height * scale))
                probe.draft("RGB", stored)
            probe.load()
            image = ImageOps.exif_transpose(probe).convert("RGB")
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_image from None
    # Bilinear: Pillow scales down with a filter as wide as the step (no aliasing), at half
    # the cost of Lanczos, which the eye cannot tell apart at these sizes.
    image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.BILINEAR)
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return CleanPhoto(
        jpeg=_jpeg(image, 85),
        thumbnail=_jpeg(thumb, 75),
        width=image.width,
        height=image.height,
        gps=gps,
    )


def save_photo(file: FieldFile, thumbnail: FieldFile, stem: str, photo: CleanPhoto) -> None:
    """Write a cleaned photo and its thumbnail into two file fields of an unsaved row (through
    Django's default storage); the caller saves the row."""
    file.save(f"{stem}.jpg", ContentFile(photo.jpeg), save=False)
    thumbnail.save(f"{stem}-thumb.jpg", ContentFile(photo.thumbnail), save=False)


def attach_photo(
    event: Event, photo: CleanPhoto, kind: str = Attachment.Kind.BEFORE, by_id: int | None = None
) -> Attachment:
    """Store a cleaned photo (through Django's default storage) as the event's attachment."""
    stem = f"{event.code}-{uuid.uuid4().hex[:12]}"
    attachment = Attachment(event=event, kind=kind, uploaded_by_id=by_id)
    save_photo(attachment.file, attachment.thumbnail, stem, photo)
    attachment.save()
    return attachment
