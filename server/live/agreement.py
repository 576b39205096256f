"""Recording who agreed the plan: the facilitator's action, with its audit row."""

from __future__ import annotations

from server.board.agreement import clean_words
from server.store import Agreement, AgreementRefused, Store, audit, now


async def record(
    store: Store,
    meeting_id: str,
    participant_id: str,
    agreed: bool,
    words: str,
    actor: audit.Actor,
) -> Agreement | AgreementRefused:
    """Record (or change) one person's agreement while the meeting is open. The trail says
    who recorded it, for whom and which way; their words stay out of it (and of every log).
    Raises BadWords for words longer than the record keeps, before anything is written."""
    words = clean_words(words)
    done = await store.record_agreement(meeting_id, participant_id, agreed, words, now())
    if isinstance(done, Agreement):
        await store.record_event(
            audit.event(
                meeting_id, actor, audit.AGREEMENT, participant=participant_id, agreed=agreed
            )
        )
    return done
