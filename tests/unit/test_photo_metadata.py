"""Photos are kept without their metadata: where they were taken, the device, the owner's words. The pixels stay
as they were; a photo that asks to be shown turned is turned first."""

import io

from PIL import Image, ImageChops, PngImagePlugin

from seva.media import keep_image, without_metadata

GPS, MAKE, MODEL, ORIENTATION = 0x8825, 0x010F, 0x0110, 0x0112


def a_photo(gps: bool = True, orientation: int = 1, kind: str = "JPEG") -> bytes:
    exif = Image.Exif()
    exif[MAKE], exif[MODEL] = "PhoneMaker", "Model 7"
    if gps:
        exif[GPS] = {1: "N", 2: (30.0, 54.0, 11.0), 3: "E", 4: (75.0, 51.0, 7.0)}
    if orientation != 1:
        exif[ORIENTATION] = orientation
    image = Image.new("RGB", (64, 32), (200, 30, 30))
    image.paste((20, 20, 220), (0, 0, 16, 32))
    out = io.BytesIO()
    if kind == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Author", "Ravinder Singh, 9876543210")
        image.save(out, "PNG", exif=exif.tobytes(), pnginfo=text)
    else:
        image.save(out, "JPEG", exif=exif.tobytes(), comment=b"Ravinder's phone")
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_a_jpegs_location_device_and_comment_are_gone_and_its_pixels_are_the_same():
    original = a_photo()
    assert opened(original).getexif().get(GPS) is not None
    clean = without_metadata(original, "image/jpeg")
    assert dict(opened(clean).getexif()) == {}
    assert b"PhoneMaker" not in clean and b"Ravinder" not in clean
    assert ImageChops.difference(opened(original).convert("RGB"), opened(clean).convert("RGB")).getbbox() is None


def test_a_jpeg_taken_sideways_is_turned_upright_before_its_orientation_goes():
    clean = without_metadata(a_photo(orientation=6), "image/jpeg")
    assert opened(clean).size == (32, 64) and dict(opened(clean).getexif()) == {}
    assert b"PhoneMaker" not in clean


def test_a_pngs_text_and_exif_chunks_are_gone():
    original = a_photo(kind="PNG")
    clean = without_metadata(original, "image/png")
    assert b"Ravinder" in original and b"Ravinder" not in clean and b"PhoneMaker" not in clean
    assert opened(clean).size == (64, 32)
    assert ImageChops.difference(opened(original).convert("RGB"), opened(clean).convert("RGB")).getbbox() is None


def test_bytes_that_only_start_like_a_photo_are_kept_as_they_are():
    odd = b"\xff\xd8\xff\xe0" + b"a streetlight, dark" * 50
    assert without_metadata(odd, "image/jpeg") == odd


def test_a_kept_photo_is_stored_clean_and_named_by_its_clean_bytes(tmp_path):
    saved = keep_image(a_photo(), tmp_path)
    data = (tmp_path / saved.uri).read_bytes() if not saved.uri.startswith("/") else open(saved.uri, "rb").read()
    assert dict(opened(data).getexif()) == {} and b"PhoneMaker" not in data
    assert keep_image(a_photo(), tmp_path).uri == saved.uri
