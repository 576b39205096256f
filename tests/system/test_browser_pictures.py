"""Pictures on cards in a real browser (Debian's Chromium) against the real server: a photo
chosen through the real file input, a drawing made with the mouse and a finger, each
described before it is shared, seen live on the other boards and on the shared screen.

What the server keeps is fetched back through the page's own picture address and read with
Pillow: a photo that carried GPS EXIF comes back with no metadata at all; a drawing comes back
as a PNG with its strokes. A family board never asks for a professionals-only picture, and the
family's cookie cannot fetch one (404).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from PIL import Image
from playwright.async_api import Browser, BrowserContext, Locator, Page, Request, expect

from tests.browser import chromium, new_page, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer, running_server
from tests.pictures import GPS_IFD, carries_no_metadata, photo_with_gps
from tests.system.test_browser_a11y import serious_violations
from tests.system.test_browser_board import add_card, card, join, joined

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}
PICTURE_URL = re.compile(r"/m/[^/]+/pictures/[^/?#]+(\?size=small)?$")
NOT_A_PICTURE = "This file is not a picture. Choose a photo or a drawing (JPEG, PNG or WebP)."
NOT_SENT = (
    "The picture was not sent. Check your connection and try again: your picture is still here."
)


# Helpers ----------------------------------------------------------------------------------


async def switch_on_child_voice(chair: Page) -> None:
    """The facilitator turns on "The child's voice" (an optional section)."""
    await chair.get_by_test_id("sections-toggle").click()
    await chair.get_by_test_id("optional-child_voice").check()
    await chair.get_by_test_id("sections-toggle").click()
    await expect(chair.get_by_test_id("section-child_voice")).to_be_visible()


def pictures_of(page: Page, item_id: str) -> Locator:
    return card(page, item_id).get_by_test_id("picture")


async def open_add_picture(page: Page, item_id: str) -> Locator:
    await card(page, item_id).get_by_test_id("add-picture").click()
    dialog = page.get_by_test_id("picture-dialog")
    await expect(dialog).to_be_visible()
    return dialog


async def choose_file(dialog: Locator, data: bytes, name: str, mime: str = "image/jpeg") -> None:
    await dialog.get_by_test_id("picture-file").set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )


async def share_photo(page: Page, item_id: str, data: bytes, description: str) -> str:
    """Choose a photo through the real file input, describe it, share it; its picture id."""
    before = await pictures_of(page, item_id).count()
    dialog = await open_add_picture(page, item_id)
    await choose_file(dialog, data, "IMG_0042.jpg")
    await expect(dialog.get_by_test_id("picture-preview")).to_be_visible()
    await dialog.get_by_test_id("picture-describe").fill(description)
    await dialog.get_by_test_id("picture-share").click()
    await expect(dialog).to_be_hidden()
    await expect(pictures_of(page, item_id)).to_have_count(before + 1)
    shared = pictures_of(page, item_id).filter(has_text=description)
    picture_id = await shared.get_attribute("data-picture-id")
    assert picture_id
    return picture_id


async def loaded(page: Page, img: Locator) -> None:
    """The image arrived and decoded (a broken or missing picture has no natural width)."""
    handle = await img.element_handle()
    await page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle)


async def fetched(context: BrowserContext, meeting_id: str, picture_id: str) -> tuple[int, bytes]:
    """The picture through its address on the board, with this browser's cookies."""
    response = await context.request.get(f"/m/{meeting_id}/pictures/{picture_id}")
    return response.status, await response.body()


def requests_of(page: Page) -> list[Request]:
    """Every request the page makes from now on."""
    seen: list[Request] = []

    def note(request: Request) -> None:
        seen.append(request)

    page.on("request", note)
    return seen


def uploads(seen: list[Request]) -> list[Request]:
    return [r for r in seen if r.method == "POST" and r.url.endswith("/pictures")]


# Tests ------------------------------------------------------------------------------------


async def test_a_photo_is_shared_live_and_its_location_never_leaves_the_phone(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    links = meeting["links"]
    chair_context, chair = await joined(chromium, server, links["facilitator"], "Sam Chair")
    family_context, family = await joined(chromium, server, links["family"], "Jo", **PHONE)
    await switch_on_child_voice(chair)
    item_id = await add_card(chair, "child_voice", "Leo said his house is the happy one.")
    await family.get_by_test_id("tab-more").click()  # the phone shows one part at a time
    await expect(card(family, item_id)).to_be_visible()

    photo = photo_with_gps()
    gps = Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD)
    assert gps[1] == "N" and gps[2] == (51.0, 30.0, 0.0), "the photo carries GPS before upload"
    description = "Leo's drawing of his house with Nan inside"
    picture_id = await share_photo(family, item_id, photo, description)

    # The chair sees it live: a thumbnail with its description under it and as its alt text.
    picture = pictures_of(chair, item_id)
    await expect(picture).to_have_count(1)
    await expect(picture.get_by_test_id("picture-description")).to_have_text(description)
    img = picture.get_by_test_id("picture-img")
    await expect(img).to_have_attribute("alt", description)
    await loaded(chair, img)
    box = await picture.locator(".picture-thumb").bounding_box()
    assert box is not None and (round(box["width"]), round(box["height"])) == (136, 104), box

    # What the server kept, fetched as the board fetches it: no EXIF, no GPS, nothing else.
    status, stored = await fetched(family_context, meeting["id"], picture_id)
    assert status == 200
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == "JPEG"
    assert not dict(kept.getexif()) and not kept.getexif().get_ifd(GPS_IFD)
    assert carries_no_metadata(stored)
    assert b"FictionalCam" not in stored

    # Its uploader changes the description; the chair sees it.
    await pictures_of(family, item_id).get_by_test_id("picture-open").click()
    view = family.get_by_test_id("picture-view")
    await expect(view.get_by_test_id("picture-large-description")).to_have_text(description)
    await loaded(family, view.get_by_test_id("picture-large"))
    await view.get_by_test_id("picture-edit-description").fill("Leo's house, with Nan at the door")
    await view.get_by_test_id("picture-edit-save").click()
    await expect(picture.get_by_test_id("picture-description")).to_have_text(
        "Leo's house, with Nan at the door"
    )
    await view.get_by_test_id("picture-view-close").click()

    # A withdrawn card keeps its picture, shown in the withdrawn list (to look at, not change).
    await card(family, item_id).get_by_test_id("card-menu").click()
    await card(family, item_id).get_by_test_id("card-withdraw").click()
    await family.get_by_test_id("confirm-yes").click()
    withdrawn = chair.get_by_test_id("withdrawn-card").filter(has_text="happy one")
    await expect(withdrawn.get_by_test_id("picture-description")).to_have_text(
        "Leo's house, with Nan at the door"
    )
    await loaded(chair, withdrawn.get_by_test_id("picture-img"))
    await expect(withdrawn.get_by_test_id("add-picture")).to_be_hidden()
    await withdrawn.get_by_test_id("picture-open").click()
    await expect(
        chair.get_by_test_id("picture-view").get_by_test_id("picture-changes")
    ).to_be_hidden()
    await chair.get_by_test_id("picture-view-close").click()
    await withdrawn.get_by_test_id("withdrawn-restore").click()
    await expect(pictures_of(chair, item_id)).to_have_count(1)

    # The facilitator takes it off the card (asked first); the family's board follows.
    await picture.get_by_test_id("picture-open").click()
    chair_view = chair.get_by_test_id("picture-view")
    await chair_view.get_by_test_id("picture-remove").click()
    await expect(chair_view.get_by_test_id("picture-remove-no")).to_be_focused()
    await chair_view.get_by_test_id("picture-remove-yes").click()
    await expect(chair_view).to_be_hidden()
    await expect(pictures_of(family, item_id)).to_have_count(0)
    await expect(pictures_of(chair, item_id)).to_have_count(0)
    await family_context.close()
    await chair_context.close()


async def test_a_file_that_is_not_a_picture_is_refused_in_plain_words_and_changes_nothing(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    links = meeting["links"]
    chair_context, chair = await joined(chromium, server, links["facilitator"], "Sam Chair")
    family_context, family = await joined(chromium, server, links["family"], "Jo", **PHONE)
    await switch_on_child_voice(chair)
    item_id = await add_card(chair, "child_voice", "Leo's words")
    await family.get_by_test_id("tab-more").click()
    await expect(card(family, item_id)).to_be_visible()

    dialog = await open_add_picture(family, item_id)
    await choose_file(dialog, b"Dear diary, this is plain text.\n" * 20, "holiday.jpg")
    await dialog.get_by_test_id("picture-describe").fill("Our holiday")
    await dialog.get_by_test_id("picture-share").click()
    await expect(dialog.get_by_test_id("picture-error")).to_have_text(NOT_A_PICTURE)
    await expect(dialog.get_by_test_id("picture-preview")).to_be_hidden()  # not a broken one
    # Nothing lost and nothing changed: the dialog still holds the description, and no board
    # shows a picture.
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_test_id("picture-describe")).to_have_value("Our holiday")
    await expect(dialog.get_by_test_id("picture-share")).to_be_enabled()
    await expect(pictures_of(family, item_id)).to_have_count(0)
    await expect(pictures_of(chair, item_id)).to_have_count(0)
    assert await card(chair, item_id).get_attribute("data-item-id") == item_id

    # The same dialog then takes a real photo. Offline, it is not sent, and stays.
    await choose_file(dialog, photo_with_gps((400, 300)), "IMG_0043.jpg")
    await expect(dialog.get_by_test_id("picture-error")).to_have_text("")
    await expect(dialog.get_by_test_id("picture-preview")).to_be_visible()
    await family_context.set_offline(True)
    await dialog.get_by_test_id("picture-share").click()
    await expect(dialog.get_by_test_id("picture-error")).to_have_text(NOT_SENT)
    await expect(dialog.get_by_test_id("picture-preview")).to_be_visible()
    await expect(dialog.get_by_test_id("picture-describe")).to_have_value("Our holiday")
    await family_context.set_offline(False)
    await dialog.get_by_test_id("picture-share").click()
    await expect(dialog).to_be_hidden()
    await expect(pictures_of(chair, item_id).filter(has_text="Our holiday")).to_have_count(1)
    await family_context.close()
    await chair_context.close()


async def test_a_picture_over_the_limit_is_stopped_before_it_is_sent(
    tmp_path: Path,
    chromium: Browser,  # noqa: F811
) -> None:
    """The board checks the size against the server's limit first, and says it in the
    server's words: a phone on poor signal does not spend minutes on a refused upload."""
    async with running_server(tmp_path / "data", SAFETYMAP_PICTURE_MAX_BYTES="100000") as server:
        meeting = await server.meeting("Planning for Leo")
        chair_context, chair = await joined(
            chromium, server, meeting["links"]["facilitator"], "Sam Chair"
        )
        await switch_on_child_voice(chair)
        item_id = await add_card(chair, "child_voice", "Leo's words")
        sent = requests_of(chair)
        noise = Image.frombytes("RGB", (400, 300), os.urandom(400 * 300 * 3))
        big = io.BytesIO()
        noise.save(big, "JPEG", quality=95)
        assert len(big.getvalue()) > 100_000
        too_big = "This picture is too big. The limit is 97 KB."

        dialog = await open_add_picture(chair, item_id)
        await choose_file(dialog, big.getvalue(), "IMG_0044.jpg")
        await expect(dialog.get_by_test_id("picture-error")).to_have_text(too_big)
        await dialog.get_by_test_id("picture-describe").fill("A noisy photo")
        await dialog.get_by_test_id("picture-share").click()
        await expect(dialog.get_by_test_id("picture-error")).to_have_text(too_big)
        assert uploads(sent) == [], "nothing was sent"
        # A smaller photo goes.
        small = photo_with_gps((300, 200))
        assert len(small) < 100_000
        await choose_file(dialog, small, "IMG_0045.jpg")
        await expect(dialog.get_by_test_id("picture-error")).to_have_text("")
        await dialog.get_by_test_id("picture-share").click()
        await expect(dialog).to_be_hidden()
        await expect(pictures_of(chair, item_id)).to_have_count(1)
        assert len(uploads(sent)) == 1
        await chair_context.close()


async def test_a_drawing_made_with_mouse_and_finger_is_shared_once_described(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    """On a card outside the child's voice once the facilitator allows pictures everywhere.
    The Share button stays disabled, saying why, until there is a drawing and a description."""
    meeting = await server.meeting("Planning for Leo")
    links = meeting["links"]
    chair_context, chair = await joined(chromium, server, links["facilitator"], "Sam Chair")
    pro_context, pro = await joined(chromium, server, links["professional"], "Priya", **TABLET)
    family_context, family = await joined(chromium, server, links["family"], "Jo", **PHONE)
    item_id = await add_card(pro, "strengths", "Leo loves drawing at school.")
    await expect(card(pro, item_id).get_by_test_id("add-picture")).to_be_hidden()
    await chair.get_by_test_id("sections-toggle").click()
    await chair.get_by_test_id("pictures-everywhere").check()
    await expect(card(pro, item_id).get_by_test_id("add-picture")).to_be_visible()
    await family.get_by_test_id("tab-working_well").click()
    await expect(card(family, item_id).get_by_test_id("add-picture")).to_be_visible()

    sent = requests_of(pro)
    dialog = await open_add_picture(pro, item_id)
    share = dialog.get_by_test_id("picture-share")
    why = dialog.get_by_test_id("picture-share-why")
    await expect(share).to_be_disabled()
    await expect(why).to_have_text("First take or choose a photo, or draw a picture.")
    await dialog.get_by_test_id("picture-draw").click()
    canvas = dialog.get_by_test_id("drawing-canvas")
    await expect(canvas).to_be_visible()
    assert await canvas.evaluate("c => getComputedStyle(c).touchAction") == "none"
    await expect(why).to_have_text("Draw something first.")

    # A black line with the mouse.
    box = await canvas.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    await pro.mouse.move(x + w * 0.1, y + h * 0.2)
    await pro.mouse.down()
    for i in range(1, 9):
        await pro.mouse.move(x + w * (0.1 + i * 0.08), y + h * (0.2 + i * 0.05), steps=3)
    await pro.mouse.up()
    await expect(why).to_have_text("Describe the picture before you share it.")
    # Clear, then Undo brings the line back.
    await dialog.get_by_test_id("drawing-clear").click()
    await expect(why).to_have_text("Draw something first.")
    await dialog.get_by_test_id("drawing-undo").click()
    await expect(why).to_have_text("Describe the picture before you share it.")

    # A thick red line with a finger (touch events, as a tablet's screen sends them).
    await dialog.get_by_test_id("drawing-colour-red").click()
    await dialog.get_by_test_id("drawing-thick").click()
    await expect(dialog.get_by_test_id("drawing-thick")).to_have_attribute("aria-pressed", "true")
    cdp = await pro_context.new_cdp_session(pro)

    async def touch(kind: str, fx: float, fy: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x + w * fx, "y": y + h * fy}]
        await cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    await touch("touchStart", 0.2, 0.8)
    for i in range(1, 11):
        await touch("touchMove", 0.2 + i * 0.06, 0.8 - i * 0.03)
    await touch("touchEnd", 0, 0)

    # No description, or only spaces: Share cannot be used, even forced.
    await expect(share).to_be_disabled()
    await dialog.get_by_test_id("picture-describe").fill("   ")
    await expect(share).to_be_disabled()
    await expect(why).to_have_text("Describe the picture before you share it.")
    await share.click(force=True)
    await expect(dialog).to_be_visible()
    assert uploads(sent) == [], "nothing was sent without a description"

    description = "Leo's drawing of the park, with a red slide"
    await dialog.get_by_test_id("picture-describe").fill(description)
    await expect(why).to_be_hidden()
    await share.click()
    await expect(dialog).to_be_hidden()
    assert len(uploads(sent)) == 1

    # The family sees it on their board, and the PNG kept has both lines in it.
    picture = pictures_of(family, item_id)
    await expect(picture.get_by_test_id("picture-description")).to_have_text(description)
    await loaded(family, picture.get_by_test_id("picture-img"))
    picture_id = await picture.get_attribute("data-picture-id")
    assert picture_id
    status, stored = await fetched(family_context, meeting["id"], picture_id)
    assert status == 200
    drawing = Image.open(io.BytesIO(stored))
    assert drawing.format == "PNG"
    rgb = drawing.convert("RGB").tobytes()
    pixels = [(rgb[i], rgb[i + 1], rgb[i + 2]) for i in range(0, len(rgb), 3)]
    dark = sum(1 for r, g, b in pixels if r < 80 and g < 80 and b < 80)
    red = sum(1 for r, g, b in pixels if r > 150 and g < 70 and b < 70)
    white = sum(1 for r, g, b in pixels if min(r, g, b) > 240)
    assert dark > 500, "the mouse's line is there"
    assert red > 2000, "the finger's thick red line is there"
    assert white > len(pixels) * 0.8, "on white paper"
    for context in (family_context, pro_context, chair_context):
        await context.close()


async def test_the_family_never_fetches_a_professionals_only_picture(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    links = meeting["links"]
    chair_context, chair = await joined(chromium, server, links["facilitator"], "Sam Chair")
    await switch_on_child_voice(chair)
    family_context, family = await new_page(chromium, server.address, **PHONE)
    seen = requests_of(family)
    await join(family, links["family"], "Jo")
    await family.get_by_test_id("tab-more").click()
    viewer_context, viewer = await new_page(
        chromium, server.address, viewport={"width": 1920, "height": 1080}
    )
    screen_seen = requests_of(viewer)
    await join(viewer, links["viewer"], "Room screen")
    pro_context, pro = await joined(chromium, server, links["professional"], "Priya")

    secret = await add_card(pro, "child_voice", "Closed session notes", layer="professional")
    hidden_id = await share_photo(pro, secret, photo_with_gps((640, 480)), "Photo from the refuge")
    # (The form stays open after a card, on the layer last chosen.)
    shared = await add_card(pro, "child_voice", "Leo's words", layer="main")
    shared_id = await share_photo(pro, shared, photo_with_gps((640, 480)), "Leo's house")

    # The family's board and the shared screen show the shared picture (so they have been
    # fetching pictures) and never the professionals' one, nor asked for it.
    for page, requests in ((family, seen), (viewer, screen_seen)):
        await loaded(page, pictures_of(page, shared).get_by_test_id("picture-img"))
        await expect(card(page, secret)).to_have_count(0)
        await expect(page.get_by_text("Photo from the refuge")).to_have_count(0)
        asked = [r.url for r in requests if PICTURE_URL.search(r.url)]
        assert any(shared_id in url for url in asked), asked
        # The cards ask for the thumbnail (a phone on poor signal), never the whole picture.
        assert all(url.endswith("?size=small") for url in asked), asked
        assert not any(hidden_id in url for url in asked), asked

    # With their own cookies: the family and the shared screen get 404 (as for no picture at
    # all); a professional gets it.
    assert (await fetched(family_context, meeting["id"], hidden_id))[0] == 404
    assert (await fetched(viewer_context, meeting["id"], hidden_id))[0] == 404
    assert (await fetched(family_context, meeting["id"], "no-such-picture"))[0] == 404
    assert (await fetched(pro_context, meeting["id"], hidden_id))[0] == 200
    assert (await fetched(family_context, meeting["id"], shared_id))[0] == 200
    for context in (pro_context, viewer_context, family_context, chair_context):
        await context.close()


async def test_pictures_and_their_dialogs_have_no_serious_accessibility_violations(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    links = meeting["links"]
    chair_context, chair = await joined(
        chromium, server, links["facilitator"], "Sam Chair", bypass_csp=True
    )
    family_context, family = await joined(
        chromium, server, links["family"], "Jo", bypass_csp=True, **PHONE
    )
    await switch_on_child_voice(chair)
    item_id = await add_card(chair, "child_voice", "Leo's words")
    await family.get_by_test_id("tab-more").click()
    await share_photo(family, item_id, photo_with_gps((800, 600)), "Leo's house with Nan inside")
    found: list[str] = []

    # The boards with a picture on a card.
    await loaded(chair, pictures_of(chair, item_id).get_by_test_id("picture-img"))
    found += await serious_violations(chair)
    found += await serious_violations(family)
    await screenshot(chair, "board-pictures")

    # "Add a picture" with the pen open, on a phone, and with a refusal showing.
    dialog = await open_add_picture(family, item_id)
    await dialog.get_by_test_id("picture-draw").click()
    await expect(dialog.get_by_test_id("drawing-canvas")).to_be_visible()
    found += await serious_violations(family)
    await screenshot(family, "picture-draw-phone")
    await choose_file(dialog, b"plain text", "note.jpg")
    await dialog.get_by_test_id("picture-describe").fill("A note")
    await dialog.get_by_test_id("picture-share").click()
    await expect(dialog.get_by_test_id("picture-error")).to_have_text(NOT_A_PICTURE)
    found += await serious_violations(family)
    await dialog.get_by_test_id("picture-cancel").click()
    await expect(dialog).to_be_hidden()

    # The picture opened large, with the facilitator's changes offered.
    await pictures_of(chair, item_id).get_by_test_id("picture-open").click()
    view = chair.get_by_test_id("picture-view")
    await loaded(chair, view.get_by_test_id("picture-large"))
    await expect(view.get_by_test_id("picture-changes")).to_be_visible()
    found += await serious_violations(chair)
    await screenshot(chair, "picture-view")
    assert not found, "\n".join(found)
    await family_context.close()
    await chair_context.close()
