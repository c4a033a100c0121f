"""Making, checking and revoking personal access tokens.

A token reads `lj_pat_<8 id characters>_<43 secret characters>`. The database keeps the first
part (`prefix`) and the SHA-256 of the whole token; the whole token is returned once by
`create_token` and never again. A token works while it is not revoked, not expired, and its
owner is active (not suspended) and not deleted; each is checked on every request, so a
revocation or a suspension takes effect at once.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from webapp.api.models import AccessToken
from webapp.staff import audit

PREFIX = "lj_pat_"
# last_used_at is written at most this often per token, so reads do not all become writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(Exception):
    """The presented token does not (or no longer) work; `code` says why."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(user, name: str, scopes, expires_at=None) -> tuple[AccessToken, str]:
    """Make a token for `user`; returns the row and the token itself (shown once)."""
    unknown = set(scopes) - set(AccessToken.Scope.values)
    if unknown or not scopes:
        raise ValueError(f"unknown or missing scopes: {sorted(unknown)}")
    prefix = PREFIX + secrets.token_hex(4)
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = AccessToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        hashed=hash_token(raw),
        scopes=[s for s in AccessToken.Scope.values if s in scopes],
        expires_at=expires_at,
    )
    return token, raw


def authenticate(raw: str, now=None) -> AccessToken:
    """The live token `raw` names, with its user; raises TokenRefused otherwise."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        raise TokenRefused("invalid_token")
    token = AccessToken.objects.select_related("user").filter(hashed=hash_token(raw)).first()
    if token is None:
        raise TokenRefused("invalid_token")
    now = now or timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused("token_revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRefused("token_expired")
    user = token.user
    if not user.is_active or user.deleted_at is not None:
        raise TokenRefused("account_inactive")
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke(token: AccessToken, by, reason: str = "") -> bool:
    """Revoke a token (once). When `by` is not the owner it is a staff action and is audited
    in the same transaction. Returns False when it was already revoked."""
    now = timezone.now()
    with transaction.atomic():
        changed = AccessToken.objects.filter(pk=token.pk, revoked_at=None).update(
            revoked_at=now, revoked_by=by
        )
        if changed and by.pk != token.user_id:
            audit.record(
                by,
                audit.Action.REVOKE_TOKEN,
                token,
                reason=reason,
                subject_user=token.user,
                prefix=token.prefix,
                name=token.name,
            )
    if changed:
        token.revoked_at, token.revoked_by = now, by
    return bool(changed)
