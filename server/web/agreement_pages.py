"""The facilitator records, on their meeting page, who agreed the plan when it was read back:
"agreed the plan" or "did not agree", with their words. The form posts here; the API does the
same (`PUT /api/meetings/{id}/agreement/{participant_id}`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.board.agreement import BadWords
from server.i18n import _
from server.live import agreement
from server.store import Agreement, AgreementRefused, Meeting, audit
from server.store.accounts import Facilitator
from server.web.meeting_pages import owner_action
from server.web.pages import problem, redirect

CHOICES = {"agreed": True, "not_agreed": False}


@owner_action
async def record(request: Request, person: Facilitator, meeting: Meeting) -> Response:
    fields = await request.form()
    participant_id = request.path_params["participant_id"]
    choice = fields.get("agreed")
    words = fields.get("words") or ""
    if choice not in CHOICES or not isinstance(words, str):
        return problem(
            request,
            400,
            _("Nothing was recorded"),
            _("Choose “Agreed the plan” or “Did not agree”, then save. Go back to try again."),
        )
    try:
        done = await agreement.record(
            request.app.state.services.store,
            meeting.id,
            participant_id,
            CHOICES[str(choice)],
            words,
            audit.facilitator(person.id),
        )
    except BadWords:
        return problem(
            request,
            400,
            _("Nothing was recorded"),
            _("Their words must be 500 characters or fewer. Go back to shorten them."),
        )
    if done is AgreementRefused.ENDED:
        return problem(
            request,
            409,
            _("The meeting has ended"),
            _("Agreement can only be recorded before the meeting ends."),
        )
    if not isinstance(done, Agreement):
        return problem(
            request, 404, _("Not found"), _("There is nobody like that in this meeting.")
        )
    return redirect(f"/meetings/{meeting.id}#agreement-{participant_id}")


routes = [
    Route("/meetings/{meeting_id}/agreement/{participant_id}", record, methods=["POST"]),
]
