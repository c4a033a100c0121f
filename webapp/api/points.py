"""The caller's points: balance and ledger, read from billing.ledger."""

from ninja import Query, Router

from billing import ledger
from webapp.api import pagination
from webapp.api.auth import require_scope
from webapp.api.problems import problems
from webapp.api.schemas import CURSOR_PATTERN, BalanceOut, EntryPage, points

router = Router(tags=["points"])


@router.get("/points", response={200: BalanceOut, **problems(401, 403)}, summary="Your balance")
def balance(request):
    require_scope(request, "billing:read")
    user = request.auth.user
    return {
        "balance_points": points(ledger.balance(user)),
        "held_points": points(ledger.held_total(user)),
    }


@router.get(
    "/points/ledger",
    response={200: EntryPage, **problems(401, 403, 422)},
    summary="Your points history",
)
def history(
    request,
    cursor: str | None = Query(None, pattern=CURSOR_PATTERN),
    limit: int = Query(50, ge=1, le=pagination.MAX_LIMIT),
):
    """Every movement of your points, newest first: grants, holds, spends, returns, expiries."""
    require_scope(request, "billing:read")
    rows, next_cursor = pagination.page(ledger.history(request.auth.user), cursor, limit)
    return {
        "data": [
            {
                "id": e.id,
                "kind": e.kind,
                "amount_points": points(e.amount),
                "balance_after_points": points(e.balance_after),
                "ref": e.ref,
                "reason": e.reason,
                "created_at": e.created_at,
            }
            for e in rows
        ],
        "next_cursor": next_cursor,
    }
