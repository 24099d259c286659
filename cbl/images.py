"""The upload pipeline for photos: verify, orient, strip, make renditions.

Photos are of minors and usually come straight from a phone, so nothing of the upload
survives but its pixels: the file is decoded by Pillow restricted to JPEG, PNG and WebP
(never trusted by name or content type), turned upright by its EXIF orientation, scaled, and
re-encoded from fresh pixel data, so no EXIF (GPS included), XMP, ICC profile, comment or
PNG text chunk reaches storage. Everything here is a pure function of the uploaded bytes:
no database, no request. Callers store the renditions (see :mod:`cbl.storage`)."""

import hashlib
import io
import struct
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import ExifTags, Image, ImageCms, ImageFile, UnidentifiedImageError

from cbl.errors import ValidationFailed

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Long side of each rendition, in pixels, and the JPEG quality it is saved with.
RENDITION_SIZES = {"display": 1600, "thumb": 400}
JPEG_QUALITY = {"display": 82, "thumb": 75}
# Lanczos for quality. Big images reach it already reduced (JPEG draft decoding, or an
# integer box reduce that leaves at least twice the target), so it stays cheap; the
# reducing gap covers what is left, such as a 6000 px PNG.
RESAMPLE = Image.Resampling.LANCZOS
REDUCING_GAP = 3.0
# Pixels converted at a time when a big image without draft mode is reduced.
STRIP_PIXELS = 1 << 20
# zlib level for PNG renditions (transparent images only). Measured on 1600x1200 RGBA: a
# graphic takes 25 ms and 9 KB at 6 against 16 ms and 35 KB at 3; a noisy photo 0.43 s and
# 4.9 MB against 0.30 s and 5.3 MB. Transparent uploads are mostly graphics, so 6.
PNG_COMPRESS_LEVEL = 6

# What Pillow's plugins raise on malformed data (they are not limited to OSError). Warnings
# are included for when they are errors (as in the tests): Pillow warns about some damage
# (corrupt EXIF, malformed MPO) and goes on, which with warnings as errors is an exception.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError,
                  struct.error, Image.DecompressionBombError, Warning)
# Phones save multi-picture JPEGs (depth maps, HDR); Pillow calls them MPO. The first
# picture is the photo.
_JPEG_FORMATS = ("JPEG", "MPO")
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class ImageRejected(ValidationFailed):
    """An upload we do not accept. ``str(err)`` is a translated message for the user;
    ``reason`` is a stable code for logs and tests: ``empty``, ``too_large``,
    ``unsupported``, ``too_many_pixels`` or ``damaged``."""

    def __init__(self, message: str, *, reason: str = "invalid", field: str | None = None):
        super().__init__(message, field=field)
        self.reason = reason


@dataclass(frozen=True)
class Rendition:
    """One encoded version of an upload, ready to store and serve as ``content_type``."""

    name: str
    data: bytes
    content_type: str  # "image/jpeg" or "image/png"
    width: int
    height: int

    @property
    def extension(self) -> str:
        """File extension matching the content type: ``jpg`` or ``png``."""
        return "png" if self.content_type == "image/png" else "jpg"


@dataclass(frozen=True)
class ProcessedImage:
    """What an accepted upload becomes: its identity and its renditions."""

    sha256: str  # hex digest of the uploaded bytes, for de-duplication
    source_format: str  # "JPEG", "PNG" or "WEBP", as decoded
    width: int  # of the upright image at full size
    height: int
    renditions: dict[str, Rendition]  # "display" and "thumb"


def content_hash(data: bytes) -> str:
    """Hex SHA-256 of ``data``: the same upload always gets the same name."""
    return hashlib.sha256(data).hexdigest()


def process_image(data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> ProcessedImage:
    """Verify an uploaded photo and make its metadata-free renditions.

    Returns a :class:`ProcessedImage` whose ``display`` rendition has a long side of at
    most 1600 px and whose ``thumb`` has at most 400 px; both are JPEG, or PNG when the
    image has transparency. Raises :class:`ImageRejected` (a ``ValidationFailed``) for an
    empty or oversized file, anything but a JPEG, PNG or WebP, more than ``max_pixels``
    pixels (checked from the header, before decoding) and damaged or truncated images.
    Must run in an application context (messages are translated). Raises RuntimeError if
    Pillow was told to accept truncated images, since damaged uploads would then pass."""
    _check_bytes(data, max_bytes)
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES is on; damaged uploads would pass")
    image = _open(data, max_pixels)
    width, height = image.size  # before draft decoding shrinks it
    source_format = "JPEG" if image.format in _JPEG_FORMATS else image.format
    try:
        pixels, orientation, icc_profile = _decode(image, RENDITION_SIZES["display"])
    except _DECODE_ERRORS as err:
        raise ImageRejected(_("This image is damaged or incomplete."), reason="damaged") from err
    del image  # what is left of the full-size decode (a WebP decoder's canvases) can go now
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    display = _shrink(pixels, RENDITION_SIZES["display"])
    if orientation in _TRANSPOSE:
        display = display.transpose(_TRANSPOSE[orientation])
    display = _to_output_mode(display, icc_profile)
    thumb = _shrink(display, RENDITION_SIZES["thumb"])
    return ProcessedImage(
        sha256=content_hash(data),
        source_format=source_format,
        width=width,
        height=height,
        renditions={"display": _encode("display", display), "thumb": _encode("thumb", thumb)},
    )


def _check_bytes(data: bytes, max_bytes: int) -> None:
    if not data:
        raise ImageRejected(_("This file is empty."), reason="empty")
    if len(data) > max_bytes:
        raise ImageRejected(_("This photo is larger than %(limit)s.", limit=_size_label(max_bytes)),
                            reason="too_large")


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{max(1, size // 1024)} KB"


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Read the header only, and refuse other formats and pixel bombs before decoding."""
    try:
        image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own ceiling (far above ours); the warning is raised when warnings are errors.
        raise ImageRejected(_too_many_pixels_message(max_pixels), reason="too_many_pixels") from None
    except _DECODE_ERRORS as err:
        if isinstance(err, UnidentifiedImageError) and not _looks_like_accepted(data):
            raise ImageRejected(_("This file is not a JPEG, PNG or WebP image."), reason="unsupported") from err
        raise ImageRejected(_("This image is damaged or incomplete."), reason="damaged") from err
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageRejected(_("This image is damaged or incomplete."), reason="damaged")
    if width * height > max_pixels:
        raise ImageRejected(_too_many_pixels_message(max_pixels), reason="too_many_pixels")
    return image


def _too_many_pixels_message(max_pixels: int) -> str:
    return _("This image has more than %(limit)s megapixels.", limit=f"{max_pixels / 1_000_000:g}")


def _looks_like_accepted(data: bytes) -> bool:
    """Whether the file starts like a JPEG, PNG or WebP (only to word the message: a file
    that claims to be one but does not decode is damaged rather than of another kind)."""
    return (data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
            or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"))


def _orientation(image: Image.Image) -> int:
    """The EXIF (or XMP) orientation, 1 when absent or unreadable: a broken tag is no reason
    to refuse a photo."""
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS:
        return 1
    return value if isinstance(value, int) and value in range(1, 9) else 1


def _decode(image: Image.Image, long_side: int) -> tuple[Image.Image, int, bytes | None]:
    """Decode every pixel, so truncation and corruption surface here. Returns the pixels in
    a working mode, no bigger than needed for ``long_side`` (give or take a factor of two),
    with the orientation and ICC profile. JPEGs are decoded directly at a reduced scale
    (1/2, 1/4 or 1/8), which is most of the speed of this module; other big images are
    reduced by an integer factor, after which the full-size decoded image is released."""
    target = _fit(image.size, long_side)
    if image.format in _JPEG_FORMATS and target != image.size:
        # Orientation does not matter here: the bound is on the long side, which a
        # quarter turn keeps, and draft keeps both sides at least as large as asked.
        image.draft("RGB", target)
    image.load()
    # Only after loading: reading a PNG's EXIF would decode it outside the caller's check.
    orientation = _orientation(image)
    icc_profile = image.info.get("icc_profile")
    factor = int(max(image.size) / long_side / 2)  # leaves at least twice the target
    pixels = _reduce_in_strips(image, factor) if factor >= 2 else _working_mode(image)
    if pixels is not image:
        image.close()
    return pixels, orientation, icc_profile


def _reduce_in_strips(image: Image.Image, factor: int) -> Image.Image:
    """``image`` in its working mode, reduced by ``factor`` (a box filter), a strip at a
    time. A big PNG or WebP has no draft mode; converting it whole (a palette to RGBA, then
    premultiplied alpha for resizing) would hold two more full-size copies, several hundred
    megabytes for a small file of 40 megapixels."""
    width, height = image.size
    rows = factor * max(1, STRIP_PIXELS // (width * factor))
    reduced = None
    for top in range(0, height, rows):
        strip = _working_mode(image.crop((0, top, width, min(top + rows, height)))).reduce(factor)
        if reduced is None:
            reduced = Image.new(strip.mode, (-(-width // factor), -(-height // factor)))
        reduced.paste(strip, (0, top // factor))
    assert reduced is not None
    return reduced


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    width, height = size
    scale = long_side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(image: Image.Image, long_side: int) -> Image.Image:
    target = _fit(image.size, long_side)
    if target == image.size:
        return image
    return image.resize(target, RESAMPLE, reducing_gap=REDUCING_GAP)


def _working_mode(image: Image.Image) -> Image.Image:
    """A mode that resizes well: L, LA, RGB, RGBA or CMYK (palettes would be resized with
    nearest neighbour, 16-bit greys would be clipped)."""
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        if "transparency" in image.info and mode in ("L", "RGB"):
            return image.convert(mode + "A")
        return image
    if mode.startswith("I"):
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    return image.convert("L" if mode == "1" else "RGB")


def _to_output_mode(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Greys stay L; colours become sRGB RGB (converted through the image's own ICC profile
    when it has one, so Display P3 phone photos keep their colours once the profile is
    gone); an alpha channel is kept only if some pixel is actually transparent."""
    alpha = None
    if image.mode in ("LA", "RGBA"):
        alpha = image.getchannel("A")
        if alpha.getextrema()[0] == 255:
            alpha = None
        image = image.convert(image.mode[:-1])
    if image.mode != "L":
        image = _to_srgb(image, icc_profile)
    if alpha is not None:
        image.putalpha(alpha)
    return image


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    if not icc_profile and image.mode == "RGB":
        return image
    if icc_profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            # A fresh sRGB profile each time: cheap, and no LittleCMS object shared by threads.
            srgb = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(image, source, srgb, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken or mismatched profile: fall back to the plain conversion
    return image.convert("RGB")


def _encode(name: str, image: Image.Image) -> Rendition:
    """Save ``image`` with no metadata at all. Pillow falls back on ``image.info`` for some
    fields (JPEG comments, PNG ICC profiles and transparency), so that is emptied first."""
    image.info = {}
    buffer = io.BytesIO()
    if image.mode in ("LA", "RGBA"):
        image.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)
        content_type = "image/png"
    else:
        image.save(buffer, "JPEG", quality=JPEG_QUALITY[name], optimize=False, progressive=False)
        content_type = "image/jpeg"
    return Rendition(name=name, data=buffer.getvalue(), content_type=content_type,
                     width=image.width, height=image.height)
