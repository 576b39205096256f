"""Facilitator accounts: the only accounts there are. Passwords hashed with argon2id;
sessions, API tokens and the one-time set-up link stored as SHA-256 of a random secret."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from .db import credentials, facilitators
from .links import token_hash
from .store import aware, now

SESSION_LIFETIME = timedelta(hours=12)
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not a password")


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
        query = select(facilitators).where(facilitators.c.email == email.strip().lower())
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        try:
            _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
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
        return await self.by_id(holder) if holder else None

    async def end_session(self, secret: str) -> None:
        await self._revoke(secret)

    async def create_api_token(self, person: Facilitator) -> str:
        return await self._issue("api", person.id, None)

    async def api_token(self, secret: str) -> Facilitator | None:
        holder = await self._holder("api", secret)
        return await self.by_id(holder) if holder else None

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
