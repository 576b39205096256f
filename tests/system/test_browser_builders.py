"""The statement builders ("Help me write it" beside "Add a card" for a worry and a goal) and
the gentle jargon notes, in Debian's Chromium: on a 360 px phone by keyboard, the sentence
shown as it is typed, put into the card's text box to be changed freely; jargon noted a moment
after typing stops (politely, never per key), never blocking a card or changing its text; and
axe-core finds nothing serious with a builder open and a note showing. And a scale made for a
worry asks about that worry (shortened with an ellipsis), in words the facilitator can change
and the record prints."""

from __future__ import annotations

from playwright.async_api import Browser, Locator, Page, expect
from pycrdt import Map

from server.record import exports, markdown
from server.record.times import Times
from tests.browser import chromium, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.system.test_browser_a11y import serious_violations
from tests.system.test_browser_board import cards_in, joined
from tests.system.test_browser_phone import PHONE

DANGER = (
    "School and the social worker are worried that Dad might hit Mum when he has been "
    "drinking, and that Leo could be hurt or too frightened to sleep if nothing changes."
)
L, R = "\u2018", "\u2019"  # the quotation marks the notes put around a word
GOAL = (
    "Mum and Dad will make sure a sober adult always looks after Leo for the next six months, "
    "and Leo will notice that there is no more shouting at night."
)


async def tap_size(target: Locator) -> tuple[float, float]:
    box = await target.bounding_box()
    assert box is not None
    return box["width"], box["height"]


async def no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone: {width} px"


async def test_a_worry_and_a_goal_written_with_the_builders_on_a_phone(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    context, page = await joined(
        chromium, server, meeting["links"]["family"], "Jo", bypass_csp=True, **PHONE
    )

    # "Add a card" first, its text box first; "Help me write it" is the next Tab stop.
    await page.get_by_test_id("add-danger").click()
    composer = page.get_by_test_id("composer-danger")
    text = composer.get_by_test_id("new-card-text")
    await expect(text).to_be_focused()
    await text.press("Tab")
    toggle = composer.get_by_test_id("builder-open")
    await expect(toggle).to_be_focused()
    assert (await tap_size(toggle))[1] >= 44
    await page.keyboard.press("Enter")
    builder = composer.get_by_test_id("builder-danger")
    await expect(builder).to_be_visible()
    await expect(toggle).to_have_attribute("aria-expanded", "true")
    await expect(builder.get_by_test_id("builder-who")).to_be_focused()

    # Nothing to use yet: the field that is needed says so, and has the focus.
    sentence = builder.get_by_test_id("builder-sentence")
    await expect(sentence).to_have_text("Your sentence shows here as you type.")
    await builder.get_by_test_id("builder-use").click()
    await expect(builder.get_by_test_id("builder-what")).to_be_focused()
    await expect(builder).to_contain_text("Fill this in to make a sentence.")
    await expect(builder.get_by_test_id("builder-what")).to_have_attribute("aria-invalid", "true")

    # Typed by keyboard; Enter goes to the next field, never adds the card.
    await builder.get_by_test_id("builder-who").focus()
    await page.keyboard.type("School and the social worker")
    await page.keyboard.press("Enter")
    await page.keyboard.type("Dad might hit Mum when he has been drinking.")
    await expect(sentence).to_have_text(
        "School and the social worker are worried that Dad might hit Mum when he has been drinking."
    )
    await page.keyboard.press("Enter")
    await page.keyboard.type("Leo")
    await page.keyboard.press("Enter")
    await page.keyboard.type("be hurt or too frightened to sleep")
    await expect(sentence).to_have_text(DANGER)
    await expect(cards_in(page, "danger")).to_have_count(0)
    await no_sideways_scroll(page)
    use = builder.get_by_test_id("builder-use")
    width, height = await tap_size(use)
    assert height >= 44 and width <= 360
    found = await serious_violations(page)
    await screenshot(page, "builder-danger-phone-360x800")

    # Enter in the last field uses the sentence: it is in the text box, to be changed freely.
    await page.keyboard.press("Enter")
    await expect(builder).to_be_hidden()
    await expect(text).to_have_value(DANGER)
    await expect(text).to_be_focused()
    await page.keyboard.type(" Gran agrees.")
    await page.keyboard.press("Enter")
    danger = cards_in(page, "danger")
    await expect(danger).to_have_count(1)
    await expect(danger.first.get_by_test_id("card-text")).to_have_value(DANGER + " Gran agrees.")
    await expect(text).to_have_value("")
    await page.keyboard.press("Escape")

    # A goal, on its tab: "for how long" and "what the child will notice".
    await page.get_by_test_id("tab-needs_to_happen").click()
    await page.get_by_test_id("add-goals").click()
    composer = page.get_by_test_id("composer-goals")
    await composer.get_by_test_id("builder-open").click()
    builder = composer.get_by_test_id("builder-goals")
    await builder.get_by_test_id("builder-who").fill("Mum and Dad")
    await builder.get_by_test_id("builder-what").fill(
        "make sure a sober adult always looks after Leo"
    )
    await expect(builder.get_by_test_id("builder-sentence")).to_have_text(
        "Mum and Dad will make sure a sober adult always looks after Leo."
    )
    await builder.get_by_test_id("builder-howLong").fill("the next six months")
    await builder.get_by_test_id("builder-child").fill("Leo")
    await builder.get_by_test_id("builder-notice").fill("there is no more shouting at night")
    await expect(builder.get_by_test_id("builder-sentence")).to_have_text(GOAL)
    await no_sideways_scroll(page)
    found += await serious_violations(page)
    await builder.get_by_test_id("builder-use").click()
    await expect(composer.get_by_test_id("new-card-text")).to_have_value(GOAL)
    await composer.get_by_test_id("new-card-submit").click()
    await expect(cards_in(page, "goals").first.get_by_test_id("card-text")).to_have_value(GOAL)
    assert not found, "\n".join(found)
    await context.close()


async def hint_changes(page: Page, hint: Locator) -> int:
    return int(await hint.evaluate("(el) => Number(el.dataset.changes || 0)"))


async def test_jargon_is_noted_gently_and_never_blocks(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    context, page = await joined(
        chromium, server, meeting["links"]["professional"], "Priya", bypass_csp=True
    )
    await page.get_by_test_id("add-danger").click()
    composer = page.get_by_test_id("composer-danger")
    text = composer.get_by_test_id("new-card-text")
    hint = composer.get_by_test_id("jargon-hint")
    await expect(hint).to_have_attribute("aria-live", "polite")
    hint_id = await hint.get_attribute("id")
    assert hint_id and hint_id in (await text.get_attribute("aria-describedby") or "").split()
    # Count how often the note changes while someone types at a steady pace.
    await hint.evaluate(
        """(el) => new MutationObserver(() => {
            el.dataset.changes = String(Number(el.dataset.changes || 0) + 1)
        }).observe(el, { childList: true, subtree: true, characterData: true })"""
    )
    typed = "There was DV at home and the LAC review was missed"
    await text.press_sequentially(typed, delay=40)  # about 2 s of typing
    await expect(hint).to_contain_text(
        f"{L}DV{R} and {L}LAC{R} may not be clear to everyone. Could you say what happens instead?"
    )
    await expect(hint).to_contain_text(f"For {L}DV{R}: Say what happened")
    changes = await hint_changes(page, hint)
    print(f"jargon note: {changes} change(s) for {len(typed)} keys typed")
    assert changes == 1, changes  # once, after typing stopped: not per key
    found = await serious_violations(page)

    # Replaced by plain words, the note goes; "advice" is not "DV".
    await text.fill("")
    await text.press_sequentially("We gave advice about bedtimes", delay=10)
    await expect(hint).to_be_empty()

    # It never blocks: the card is added with the text exactly as typed.
    await text.fill(typed)
    await expect(hint).to_contain_text(f"{L}DV{R}")
    await text.press("Enter")
    danger = cards_in(page, "danger")
    await expect(danger).to_have_count(1)
    card_text = danger.first.get_by_test_id("card-text")
    await expect(card_text).to_have_value(typed)
    await expect(hint).to_be_empty()
    await text.press("Escape")

    # Editing a card: the note is under that card while the person is in it.
    card_hint = danger.first.get_by_test_id("jargon-hint")
    await card_text.click()
    await page.keyboard.press("Control+End")
    await page.keyboard.type(" since the CAMHS referral")
    await expect(card_hint).to_contain_text(f"{L}CAMHS{R}")
    await expect(card_hint).to_contain_text(f"children{R}s mental health service")
    found += await serious_violations(page)
    await screenshot(page, "jargon-note-on-a-card")
    await expect(card_text).to_have_value(typed + " since the CAMHS referral")
    await page.keyboard.press("Tab")
    await expect(card_hint).to_be_empty()

    assert not found, "\n".join(found)
    await context.close()


WORRY = (
    "Children's services and the school are worried that Leo will be left alone overnight "
    "again when Dad works nights, and that nobody will know until the morning."
)
WORRY_QUESTION = (
    "On a scale of 0 to 10, how safe are the children from this worry: “Children's services "
    "and the school are worried that Leo will be left alone overnight again when Dad works…”?"
)


async def test_a_scale_for_a_worry_asks_about_that_worry_and_the_facilitator_rewords_it(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    context, chair = await joined(chromium, server, meeting["links"]["facilitator"], "Sam")
    await chair.get_by_test_id("add-danger").click()
    box = chair.get_by_test_id("composer-danger").get_by_test_id("new-card-text")
    await box.fill(WORRY)
    await box.press("Enter")
    await box.press("Escape")
    worry = cards_in(chair, "danger").first
    await worry.get_by_test_id("card-menu").click()
    await worry.get_by_test_id("card-add-scale").click()
    scale = chair.locator('[data-testid="scale"]:not([data-scale-id="overall"])')
    await expect(scale).to_have_count(1)
    question = scale.get_by_test_id("scale-question")
    await expect(question).to_have_value(WORRY_QUESTION)
    await expect(scale.get_by_test_id("scale-low")).to_have_value(
        "This is sure to happen if nothing changes"
    )
    await expect(scale.get_by_test_id("scale-high")).to_have_value(
        "Everyone agrees the children are safe from this"
    )

    # The family reads it; the facilitator rewords it, and the family reads that.
    family = await server.client(meeting, "family", name="Jo")

    def family_question() -> str:
        scales = family.doc.get("scales", type=Map)
        return str(next((s["question"] for k, s in scales.items() if k != "overall"), ""))

    await family.wait_for(lambda: family_question() == WORRY_QUESTION)
    reworded = "On a scale of 0 to 10, how safe is Leo at night when Dad works?"
    await question.fill(reworded)
    await question.blur()
    await family.wait_for(lambda: family_question() == reworded)

    # The record asks what the meeting asked.
    document = await exports.document(
        server.services.store, meeting["id"], snapshot=None, family=True
    )
    assert f"### {reworded}" in markdown.build(document, Times.named("Europe/London"))
    await family.disconnect()
    await context.close()
