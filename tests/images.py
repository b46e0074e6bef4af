"""Photos as the tests need them: real JPEGs with EXIF GPS (as a phone camera writes them),
uploads, fakes and a decompression bomb."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

# Inside micro-grid 330103001001001001 of tests.factories.make_tree.
LON, LAT = 120.1024, 30.2024


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (float(degrees), float(minutes), seconds)


def jpeg(
    lon: float | None = LON,
    lat: float | None = LAT,
    size: tuple[int, int] = (640, 480),
    colour: tuple[int, int, int] = (180, 40, 40),
) -> bytes:
    """A real JPEG, as a phone camera would write it: make, model, owner and GPS in EXIF."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.Base.Artist] = "Zhang San"
    if lon is not None and lat is not None:
        exif[ExifTags.Base.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
            ExifTags.GPS.GPSLatitude: _dms(abs(lat)),
            ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
            ExifTags.GPS.GPSLongitude: _dms(abs(lon)),
        }
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def bomb() -> bytes:
    """A small PNG that decodes to 64 million pixels."""
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")
    return out.getvalue()


FAKES = {
    "text renamed .jpg": b"this is not a photo, only text with a .jpg name\n" * 20,
    "truncated JPEG": jpeg()[:2000],
    "empty file": b"",
}
