"""The points ledger: every point a user gains, holds, spends, gets back or loses goes through here.

Guarantees, for every function below:
- Amounts are integers of tenths of a point (billing/units.py); never floats.
- A wallet is changed only inside `transaction.atomic()` with its row locked (SELECT FOR UPDATE);
  every call locks exactly one wallet, so locks are always taken in the same order (wallet, then
  its lots) and two calls cannot deadlock on each other.
- Every movement writes an append-only `Entry` next to it. Afterwards the wallet's cached balance
  equals the sum of its entries and the sum of its lots' remainders (`audit_wallet` checks).
- A balance never goes below zero: a call that cannot be paid raises `NotEnoughPoints` and
  changes nothing.
- Lots past their `expires_at` are written off with an `expire` entry before a hold, a grant, a
  release, a clawback or a balance read, and by the periodic `expire_lots`.

The generation code holds points with `hold(user, price, f"job:{job.pk}", ...)` when a job is
submitted, then calls `capture(ref)` when it succeeds and `release(ref)` when it fails or is
canceled. All three are idempotent per ref, so a duplicated task delivery is harmless.
"""

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Entry, Hold, HoldDraw, Lot, Wallet
from billing.units import format_points

# Points returned from a lot that expired while they were held stay usable at least this long.
REFUND_VALID_FOR = timedelta(days=7)

# At equal expiry, the most perishable kinds are spent first: daily, then membership, ... top-up.
SPEND_ORDER = {
    Lot.Source.DAILY: 0,
    Lot.Source.MEMBERSHIP: 1,
    Lot.Source.PROMOTION: 2,
    Lot.Source.REFUND: 3,
    Lot.Source.STAFF: 4,
    Lot.Source.TOPUP: 5,
}


class LedgerError(Exception):
    """A request the ledger refuses; nothing was changed. Its message is translated when it is
    raised, in the language of the request that caused it (staff and users read it)."""


class NotEnoughPoints(LedgerError):
    def __init__(self, need: int, have: int):
        self.need = need
        self.have = have
        super().__init__(
            _("not enough points: need %(need)s, have %(have)s")
            % {"need": format_points(need), "have": format_points(have)}
        )


class HoldNotFound(LedgerError):
    pass


class HoldAlreadySettled(LedgerError):
    """Capture after release, or release after capture: a hold is settled only once."""


# --- reading ------------------------------------------------------------------------------------


def balance(user, now: datetime | None = None) -> int:
    """Spendable points (tenths) now. Writes off expired lots first if there are any."""
    now = now or timezone.now()
    due = Lot.objects.filter(wallet=OuterRef("pk"), remaining__gt=0, expires_at__lte=now)
    row = (
        Wallet.objects.filter(user=user)
        .annotate(has_expired_lots=Exists(due))
        .values("pk", "balance", "has_expired_lots")
        .first()
    )
    if row is None:
        return 0
    if not row["has_expired_lots"]:
        return row["balance"]
    with _locked(Wallet.objects.filter(pk=row["pk"])) as wallet:
        _write_off_expired(wallet, now)
    return wallet.balance


def live_lots(user, now: datetime | None = None) -> list[Lot]:
    """The lots points are spent from, in the order a hold draws from them."""
    now = now or timezone.now()
    lots = Lot.objects.filter(wallet__user=user, remaining__gt=0).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    return sorted(lots, key=_spend_key)


def held_total(user) -> int:
    """Points set aside for jobs that have not finished yet (not part of the balance)."""
    total = Hold.objects.filter(wallet__user=user, status=Hold.Status.HELD).aggregate(
        total=Sum("amount")
    )["total"]
    return total or 0


def open_holds(user) -> list[Hold]:
    """The user's holds not yet captured or released."""
    return list(Hold.objects.filter(wallet__user=user, status=Hold.Status.HELD))


def history(user):
    """Every entry of the user's wallet, newest first."""
    return Entry.objects.filter(wallet__user=user).select_related("lot").order_by("-id")


@dataclass(frozen=True)
class WalletAudit:
    cached_balance: int
    entries_sum: int
    lots_sum: int

    @property
    def ok(self) -> bool:
        return self.cached_balance == self.entries_sum == self.lots_sum


def audit_wallet(user) -> WalletAudit:
    """Compare the cached balance with the sum of the ledger and of the lots' remainders."""
    wallet = Wallet.objects.filter(user=user).first()
    if wallet is None:
        return WalletAudit(0, 0, 0)
    entries = wallet.entries.aggregate(total=Sum("amount"))["total"] or 0
    lots = wallet.lots.aggregate(total=Sum("remaining"))["total"] or 0
    return WalletAudit(wallet.balance, entries, lots)


# --- granting -----------------------------------------------------------------------------------


def grant(
    user,
    amount: int,
    source: str,
    source_ref: str,
    expires_at: datetime | None,
    reason: str = "",
    staff=None,
    now: datetime | None = None,
) -> tuple[Lot, bool]:
    """Add a lot of `amount` points. Idempotent by (source, source_ref): the second call with the
    same pair returns the first lot and `created=False`, even when both run at the same moment."""
    _require_positive(amount)
    now = now or timezone.now()
    if expires_at is not None and expires_at <= now:
        raise LedgerError(
            _("%(ref)s would already be expired at %(when)s")
            % {"ref": source_ref, "when": expires_at.isoformat()}
        )
    existing = Lot.objects.filter(source=source, source_ref=source_ref).first()
    if existing is not None:
        return _same_owner(existing, user), False
    try:
        with _locked_for(user) as wallet:
            existing = Lot.objects.filter(source=source, source_ref=source_ref).first()
            if existing is not None:
                return _same_owner(existing, user), False
            _write_off_expired(wallet, now)
            lot = Lot.objects.create(
                wallet=wallet,
                source=source,
                source_ref=source_ref,
                amount=amount,
                remaining=amount,
                granted_at=now,
                expires_at=expires_at,
                reason=reason,
            )
            kind = Entry.Kind.ADJUST if staff is not None else Entry.Kind.GRANT
            _write(wallet, kind, amount, now, lot=lot, ref=source_ref, reason=reason, staff=staff)
            return lot, True
    except IntegrityError:
        # The unique (source, source_ref) is the last guard: someone else granted it just now.
        existing = Lot.objects.filter(source=source, source_ref=source_ref).first()
        if existing is None:
            raise
        return _same_owner(existing, user), False


def adjust(user, amount: int, reason: str, staff, now: datetime | None = None) -> list[Entry]:
    """A staff grant (amount > 0, a never-expiring staff lot) or clawback (amount < 0, taken in
    spend order). Records who and why; a clawback never takes the balance below zero."""
    if not reason.strip():
        raise LedgerError(_("an adjustment needs a reason"))
    if staff is None:
        raise LedgerError(_("an adjustment needs the staff user who makes it"))
    if amount == 0:
        raise LedgerError(_("an adjustment must change the balance"))
    now = now or timezone.now()
    if amount > 0:
        lot, _created = grant(
            user, amount, Lot.Source.STAFF, f"staff:{uuid.uuid4().hex}", None, reason, staff, now
        )
        return list(lot.entries.all())
    with _locked_for(user) as wallet:
        live = _write_off_expired(wallet, now)
        if wallet.balance < -amount:
            raise NotEnoughPoints(-amount, wallet.balance)
        ref = f"adjust:{uuid.uuid4().hex}"
        return [
            _write(
                wallet, Entry.Kind.ADJUST, -take, now, lot=lot, ref=ref, reason=reason, staff=staff
            )
            for lot, take in _draw(wallet, live, -amount)
        ]


def claw_back(lot: Lot, total: int, ref: str, reason: str, now: datetime | None = None) -> int:
    """Take back up to `total` points in all from one lot (the points a refunded payment bought),
    counting what earlier clawbacks under `ref` already took: calling it again with the same or a
    smaller total takes nothing more, so a replayed refund is harmless. Takes only what is left
    in the lot: spent, held or expired points are not taken, and the balance never goes below
    zero. Returns how many tenths this call took."""
    if total < 0:
        raise LedgerError(
            _("a clawback total cannot be negative, got %(total)s") % {"total": total}
        )
    now = now or timezone.now()
    with _locked(Wallet.objects.filter(pk=lot.wallet_id)) as wallet:
        _write_off_expired(wallet, now)
        lot = Lot.objects.get(pk=lot.pk)
        taken = -(
            Entry.objects.filter(lot=lot, kind=Entry.Kind.CLAWBACK, ref=ref).aggregate(
                total=Sum("amount")
            )["total"]
            or 0
        )
        take = min(max(0, total - taken), lot.remaining)
        if take == 0:
            return 0
        lot.remaining -= take
        lot.save(update_fields=["remaining"])
        _write(wallet, Entry.Kind.CLAWBACK, -take, now, lot=lot, ref=ref, reason=reason)
        return take


# --- holding, capturing, releasing --------------------------------------------------------------


def hold(user, amount: int, ref: str, reason: str = "", now: datetime | None = None) -> Hold:
    """Set `amount` points aside for `ref` (e.g. "job:123"), drawn from live lots soonest expiry
    first, never-expiring last, daily before membership before top-up at equal expiry.

    Never overdraws: if the balance is short, raises `NotEnoughPoints` ("not enough points: need X,
    have Y") and changes nothing. Idempotent per ref: holding the same ref again returns the
    existing hold, whatever its state, and moves nothing."""
    _require_positive(amount)
    now = now or timezone.now()
    with _locked_for(user) as wallet:
        existing = Hold.objects.filter(ref=ref).first()
        if existing is not None:
            if existing.wallet_id != wallet.pk or existing.amount != amount:
                raise LedgerError(
                    _("%(ref)s is already held for another amount or user") % {"ref": ref}
                )
            return existing
        live = _write_off_expired(wallet, now)
        if wallet.balance < amount:
            raise NotEnoughPoints(amount, wallet.balance)
        held = Hold.objects.create(
            wallet=wallet, ref=ref, amount=amount, reason=reason, created_at=now
        )
        for lot, take in _draw(wallet, live, amount):
            HoldDraw.objects.create(hold=held, lot=lot, amount=take)
            _write(wallet, Entry.Kind.HOLD, -take, now, lot=lot, ref=ref, reason=reason)
        return held


def capture(ref: str, now: datetime | None = None) -> Hold:
    """Settle the hold: its points are spent. Idempotent: capturing twice captures once.
    Raises `HoldAlreadySettled` if the hold was released, `HoldNotFound` if there is none."""
    now = now or timezone.now()
    with _locked(
        Wallet.objects.filter(holds__ref=ref),
        missing=HoldNotFound(_("no hold for %(ref)s") % {"ref": ref}),
    ) as wallet:
        held = Hold.objects.get(ref=ref)
        if held.status == Hold.Status.CAPTURED:
            return held
        if held.status == Hold.Status.RELEASED:
            raise HoldAlreadySettled(
                _("cannot capture %(ref)s: its points were already returned") % {"ref": ref}
            )
        _settle(held, Hold.Status.CAPTURED, now)
        _write(wallet, Entry.Kind.CAPTURE, 0, now, ref=ref, reason=held.reason)
        return held


def release(ref: str, now: datetime | None = None) -> Hold:
    """Give the held points back into exactly the lots they came from. Points whose lot expired
    in the meantime come back as one refund lot valid for at least seven days, so nothing held is
    ever lost. Idempotent: releasing twice releases once. Raises `HoldAlreadySettled` if the hold
    was captured (spent points are not refunded here), `HoldNotFound` if there is none."""
    now = now or timezone.now()
    with _locked(
        Wallet.objects.filter(holds__ref=ref),
        missing=HoldNotFound(_("no hold for %(ref)s") % {"ref": ref}),
    ) as wallet:
        held = Hold.objects.get(ref=ref)
        if held.status == Hold.Status.RELEASED:
            return held
        if held.status == Hold.Status.CAPTURED:
            raise HoldAlreadySettled(
                _("cannot release %(ref)s: its points were already spent") % {"ref": ref}
            )
        _write_off_expired(wallet, now)
        lapsed = 0
        for draw in held.draws.select_related("lot").order_by("id"):
            lot = draw.lot
            if lot.expires_at is not None and lot.expires_at <= now:
                lapsed += draw.amount
                continue
            lot.remaining += draw.amount
            lot.save(update_fields=["remaining"])
            _write(
                wallet, Entry.Kind.RELEASE, draw.amount, now, lot=lot, ref=ref, reason=held.reason
            )
        if lapsed:
            refund = Lot.objects.create(
                wallet=wallet,
                source=Lot.Source.REFUND,
                source_ref=f"refund:{ref}",
                amount=lapsed,
                remaining=lapsed,
                granted_at=now,
                expires_at=now + REFUND_VALID_FOR,
                reason=f"returned from {ref}; the points it held expired meanwhile",
            )
            _write(
                wallet, Entry.Kind.RELEASE, lapsed, now, lot=refund, ref=ref, reason=refund.reason
            )
        _settle(held, Hold.Status.RELEASED, now)
        return held


# --- expiry -------------------------------------------------------------------------------------


def expire_lots(now: datetime | None = None) -> int:
    """Write off every lot past its expiry with an `expire` entry; returns how many lots. Safe to
    run at any time and in parallel with everything else: each wallet is locked while it is done."""
    now = now or timezone.now()
    wallet_ids = (
        Lot.objects.filter(remaining__gt=0, expires_at__lte=now)
        .values_list("wallet_id", flat=True)
        .distinct()
    )
    expired = 0
    for wallet_id in list(wallet_ids):
        with _locked(Wallet.objects.filter(pk=wallet_id)) as wallet:
            live = _write_off_expired(wallet, now)
            expired += live.expired
    return expired


def forfeit(user, reason: str, now: datetime | None = None) -> int:
    """Write off every point the user has left, an `expire` entry per lot (the account is being
    deleted). Open holds must be settled first: their points belong to jobs still deciding.
    Returns the tenths written off."""
    now = now or timezone.now()
    with _locked_for(user) as wallet:
        if Hold.objects.filter(wallet=wallet, status=Hold.Status.HELD).exists():
            raise LedgerError(_("settle the open holds before forfeiting the points"))
        total = 0
        for lot in _write_off_expired(wallet, now):
            _write(
                wallet,
                Entry.Kind.EXPIRE,
                -lot.remaining,
                now,
                lot=lot,
                ref=lot.source_ref,
                reason=reason,
            )
            total += lot.remaining
            lot.remaining = 0
            lot.save(update_fields=["remaining"])
    return total


# --- internals ----------------------------------------------------------------------------------


def _require_positive(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise LedgerError(
            _("an amount must be a positive integer of tenths, got %(amount)r") % {"amount": amount}
        )


def _same_owner(lot: Lot, user) -> Lot:
    if lot.wallet.user_id != user.pk:
        raise LedgerError(
            _("%(ref)s was granted to another user") % {"ref": f"{lot.source}:{lot.source_ref}"}
        )
    return lot


@contextmanager
def _locked(wallets, missing: Exception | None = None, create_for=None):
    """The one wallet the `wallets` queryset names, its row locked until the transaction ends (one
    query, whatever the filter), created first for `create_for` if missing (a parallel creation
    waits for the other, then finds it). Its balance is saved on the way out."""
    with transaction.atomic():
        wallet = wallets.select_for_update(of=("self",)).first()
        if wallet is None and create_for is not None:
            Wallet.objects.get_or_create(user=create_for)
            wallet = wallets.select_for_update(of=("self",)).first()
        if wallet is None:
            raise missing or Wallet.DoesNotExist()
        before = wallet.balance
        yield wallet
        if wallet.balance != before:
            wallet.save(update_fields=["balance", "updated_at"])


def _locked_for(user):
    return _locked(Wallet.objects.filter(user=user), create_for=user)


_NEVER = datetime.max.replace(tzinfo=UTC)


def _spend_key(lot: Lot):
    return (lot.expires_at or _NEVER, SPEND_ORDER[lot.source], lot.pk)


class LiveLots(list):
    """The wallet's lots with points left, in spend order; `expired`: how many were written off."""

    expired = 0


def _write_off_expired(wallet: Wallet, now: datetime) -> LiveLots:
    """Write off every lot of the locked wallet past its expiry (an `expire` entry each) and return
    the live ones, in spend order. One query when nothing is due."""
    live = LiveLots()
    for lot in sorted(Lot.objects.filter(wallet=wallet, remaining__gt=0), key=_spend_key):
        if lot.expires_at is None or lot.expires_at > now:
            live.append(lot)
            continue
        _write(wallet, Entry.Kind.EXPIRE, -lot.remaining, now, lot=lot, ref=lot.source_ref)
        lot.remaining = 0
        lot.save(update_fields=["remaining"])
        live.expired += 1
    return live


def _draw(wallet: Wallet, live: list[Lot], amount: int) -> list[tuple[Lot, int]]:
    """Take `amount` out of the live lots in order; the caller writes the entries."""
    taken = []
    left = amount
    for lot in live:
        take = min(left, lot.remaining)
        lot.remaining -= take
        lot.save(update_fields=["remaining"])
        taken.append((lot, take))
        left -= take
        if left == 0:
            return taken
    # The balance said it was there; the lots disagree. Roll everything back rather than guess.
    raise LedgerError(
        _("wallet %(wallet)s is inconsistent: its lots are short by %(left)s")
        % {"wallet": wallet.pk, "left": left}
    )


def _settle(held: Hold, status: str, now: datetime) -> None:
    held.status = status
    held.settled_at = now
    held.save(update_fields=["status", "settled_at"])


def _write(wallet: Wallet, kind: str, amount: int, now: datetime, **fields) -> Entry:
    wallet.balance += amount
    if wallet.balance < 0:
        raise LedgerError(_("wallet %(wallet)s would go below zero") % {"wallet": wallet.pk})
    return Entry.objects.create(
        wallet=wallet,
        kind=kind,
        amount=amount,
        balance_after=wallet.balance,
        created_at=now,
        **fields,
    )
