"""Facilitator accounts: the only accounts there are. Passwords hashed with argon2id;
sessions, API tokens and the one-time set-up link stored as SHA-256 of a random secret.

A disabled account cannot sign in, and its sessions and API tokens are refused even if one
was issued a moment before it was disabled (every check reads `disabled_at`)."""

from __future__ import annotations

import functools
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.board.links import token_hash
from server.board.permissions import Status
from server.store.clock import aware, now
from server.store.schema import credentials, facilitators, meetings

SESSION_LIFETIME = timedelta(hours=12)
API_TOKEN_DAYS = 90  # `safetymap token create` without --days: a forgotten token dies
API_TOKEN_MAX_DAYS = 365  # renewed once a year at least
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


# Verified against when the e-mail is unknown, so both failures take the same time.
@functools.cache
def _dummy_hash() -> str:
    """Verified against when no account matches, so that a wrong e-mail address takes as long
    as a wrong password; made on first use, not when the store is imported."""
    return _hasher.hash("not a password")


class AccountError(ValueError):
    """A request about accounts that cannot be met; the message is safe to show."""


@dataclass(frozen=True, slots=True)
class Facilitator:
    id: str
    email: str
    name: str


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountError("enter an e-mail address, like name@council.example")
    return email


def check_password(password: str) -> None:
    if len(password) < 12:
        raise AccountError("the password must be at least 12 characters long")
    if len(password) > 1000:
        raise AccountError("the password is too long")


@dataclass(frozen=True, slots=True)
class Account:
    """A facilitator as the administrator sees them (`safetymap facilitator list`)."""

    person: Facilitator
    created_at: datetime
    disabled_at: datetime | None
    sessions: int  # live ones
    tokens: int  # live API tokens


@dataclass(frozen=True, slots=True)
class ApiToken:
    """An API token as `safetymap token list` shows it: never the token itself."""

    id: str  # the first 12 hex digits of its SHA-256: names it, gives nothing away
    email: str
    created_at: datetime
    expires_at: datetime | None  # None: made before tokens expired; lives until revoked


TOKEN_ID_DIGITS = 12


class Accounts:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def count(self) -> int:
        async with self.engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(facilitators))).scalar_one()
            )

    async def add(self, email: str, name: str, password: str) -> Facilitator:
        email = normalise_email(email)
        name = " ".join(name.split())
        if not name:
            raise AccountError("enter the facilitator's name")
        check_password(password)
        person = Facilitator(str(uuid.uuid4()), email, name[:100])
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    insert(facilitators).values(
                        id=person.id,
                        email=email,
                        name=person.name,
                        password_hash=_hasher.hash(password),
                        created_at=now(),
                    )
                )
        except IntegrityError:
            raise AccountError("there is already an account with that e-mail address") from None
        return person

    async def by_email(self, email: str) -> Facilitator | None:
        query = select(facilitators).where(facilitators.c.email == email.strip().lower())
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else Facilitator(row.id, row.email, row.name)

    async def by_id(self, facilitator_id: str) -> Facilitator | None:
        query = select(facilitators).where(facilitators.c.id == facilitator_id)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else Facilitator(row.id, row.email, row.name)

    async def login(self, email: str, password: str) -> Facilitator | None:
        """The facilitator, if the password is right and the account is not disabled (a
        disabled account fails as a wrong password does, after the same work)."""
        query = select(facilitators).where(facilitators.c.email == email.strip().lower())
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        try:
            _hasher.verify(row.password_hash if row else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled_at is not None:
            return None
        return Facilitator(row.id, row.email, row.name)

    async def active(self, facilitator_id: str) -> Facilitator | None:
        """The facilitator of this id, unless the account is disabled or gone."""
        query = select(facilitators).where(
            facilitators.c.id == facilitator_id, facilitators.c.disabled_at.is_(None)
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else Facilitator(row.id, row.email, row.name)

    # Secrets: sessions, API tokens, the set-up link ------------------------------------

    async def _issue(
        self, kind: str, facilitator_id: str | None, lifetime: timedelta | None
    ) -> str:
        secret = secrets.token_urlsafe(32)
        moment = now()
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(credentials).values(
                    hash=token_hash(secret),
                    kind=kind,
                    facilitator_id=facilitator_id,
                    created_at=moment,
                    expires_at=moment + lifetime if lifetime else None,
                )
            )
        return secret

    async def _holder(self, kind: str, secret: str) -> str | None:
        """The facilitator id behind a live secret of this kind ("" for the set-up link)."""
        if not secret or len(secret) > 100:
            return None
        query = select(credentials.c.facilitator_id, credentials.c.expires_at).where(
            credentials.c.hash == token_hash(secret), credentials.c.kind == kind
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        expires = aware(row.expires_at)
        if expires is not None and expires < now():
            return None
        return row.facilitator_id or ""

    async def _revoke(self, secret: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(credentials).where(credentials.c.hash == token_hash(secret)))

    async def start_session(self, person: Facilitator) -> str:
        return await self._issue("session", person.id, SESSION_LIFETIME)

    async def session(self, secret: str) -> Facilitator | None:
        holder = await self._holder("session", secret)
        return await self.active(holder) if holder else None

    async def end_session(self, secret: str) -> None:
        await self._revoke(secret)

    async def create_api_token(self, person: Facilitator, days: int = API_TOKEN_DAYS) -> str:
        """A new API token that stops working after `days` days."""
        return await self._issue("api", person.id, timedelta(days=days))

    async def api_token(self, secret: str) -> Facilitator | None:
        holder = await self._holder("api", secret)
        return await self.active(holder) if holder else None

    async def setup_link(self) -> str:
        """A new one-time link for creating the first account (only while there is none)."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(credentials).where(credentials.c.kind == "setup"))
        return await self._issue("setup", None, timedelta(days=1))

    async def setup_valid(self, secret: str) -> bool:
        return await self._holder("setup", secret) == "" and await self.count() == 0

    async def complete_setup(
        self, secret: str, email: str, name: str, password: str
    ) -> Facilitator:
        if not await self.setup_valid(secret):
            raise AccountError("this set-up link has already been used or has expired")
        person = await self.add(email, name, password)
        await self._revoke(secret)
        return person

    # Administration (`safetymap facilitator …`, `safetymap token …`) ----------------------

    async def accounts(self) -> list[Account]:
        """Every facilitator with their live sessions and API tokens, by e-mail address."""
        moment = now()
        live = (credentials.c.expires_at.is_(None)) | (credentials.c.expires_at > moment)

        def counted(kind: str) -> Any:
            return (
                select(func.count())
                .where(
                    credentials.c.facilitator_id == facilitators.c.id,
                    credentials.c.kind == kind,
                    live,
                )
                .scalar_subquery()
            )

        query = select(facilitators, counted("session"), counted("api")).order_by(
            facilitators.c.email
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            Account(
                Facilitator(r.id, r.email, r.name),
                aware(r.created_at) or moment,
                aware(r.disabled_at),
                int(r[-2]),
                int(r[-1]),
            )
            for r in rows
        ]

    async def set_disabled(self, person: Facilitator, disabled: bool) -> None:
        """Disable (ending every session and revoking every API token at once: enabling
        again restores neither) or enable an account."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(facilitators)
                .where(facilitators.c.id == person.id)
                .values(disabled_at=now() if disabled else None)
            )
            if disabled:
                await conn.execute(
                    delete(credentials).where(credentials.c.facilitator_id == person.id)
                )

    async def reset_password(self, person: Facilitator, password: str) -> int:
        """A new password; every session of the account ends (API tokens stay: revoke them
        with `token revoke` if they may be known too). The number of sessions ended."""
        check_password(password)
        async with self.engine.begin() as conn:
            await conn.execute(
                update(facilitators)
                .where(facilitators.c.id == person.id)
                .values(password_hash=_hasher.hash(password))
            )
            ended = await conn.execute(
                delete(credentials).where(
                    credentials.c.facilitator_id == person.id, credentials.c.kind == "session"
                )
            )
        return int(ended.rowcount)

    async def open_meetings_of(self, person: Facilitator) -> int:
        query = select(func.count()).where(
            meetings.c.owner_id == person.id, meetings.c.status == Status.OPEN.value
        )
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def remove(self, person: Facilitator, heir: Facilitator | None = None) -> int:
        """Delete the account, its sessions and tokens. Its meetings, open or ended, go to
        `heir`, or else keep no owner (their links still work; the CLI still exports and
        deletes them). The number of meetings handed over or left without an owner."""
        async with self.engine.begin() as conn:
            moved = await conn.execute(
                update(meetings)
                .where(meetings.c.owner_id == person.id)
                .values(owner_id=heir.id if heir else None)
            )
            await conn.execute(delete(credentials).where(credentials.c.facilitator_id == person.id))
            await conn.execute(delete(facilitators).where(facilitators.c.id == person.id))
        return int(moved.rowcount)

    async def api_tokens(self, person: Facilitator | None = None) -> list[ApiToken]:
        """Live API tokens (of one facilitator, or everyone's), oldest first."""
        moment = now()
        query = (
            select(credentials, facilitators.c.email)
            .join(facilitators, facilitators.c.id == credentials.c.facilitator_id)
            .where(
                credentials.c.kind == "api",
                credentials.c.expires_at.is_(None) | (credentials.c.expires_at > moment),
            )
            .order_by(credentials.c.created_at, credentials.c.hash)
        )
        if person is not None:
            query = query.where(credentials.c.facilitator_id == person.id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            ApiToken(
                r.hash[:TOKEN_ID_DIGITS],
                r.email,
                aware(r.created_at) or moment,
                aware(r.expires_at),
            )
            for r in rows
        ]

    async def revoke_api_token(self, token_id: str) -> bool:
        """Revoke the API token `token list` names so (its id: at least 8 hex digits)."""
        token_id = token_id.strip().lower()
        if len(token_id) < 8 or any(c not in "0123456789abcdef" for c in token_id):
            raise AccountError("give the token's id as `safetymap token list` shows it")
        found = credentials.c.kind == "api", credentials.c.hash.startswith(token_id)
        async with self.engine.begin() as conn:
            hashes = list((await conn.execute(select(credentials.c.hash).where(*found))).scalars())
            if len(hashes) > 1:
                raise AccountError("more than one token has an id starting so: give all of it")
            if hashes:
                await conn.execute(delete(credentials).where(credentials.c.hash == hashes[0]))
        return bool(hashes)

    async def revoke_api_tokens(self, person: Facilitator) -> int:
        """Revoke every API token of a facilitator; how many there were."""
        async with self.engine.begin() as conn:
            gone = await conn.execute(
                delete(credentials).where(
                    credentials.c.facilitator_id == person.id, credentials.c.kind == "api"
                )
            )
        return int(gone.rowcount)
