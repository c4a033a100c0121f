"""Sign-up abuse controls on e-mail addresses: one account per mailbox, no throwaway domains.

`canonical_email` maps every spelling a provider delivers to the same mailbox onto one string:
case, dots in Gmail's local part, +tags at providers that ignore them, googlemail.com = gmail.com.
It is stored (User.email_canonical, unique) only for the uniqueness check; mail still goes to the
address the user typed.
"""

from functools import cache
from pathlib import Path

from django.conf import settings

# Providers that deliver name+anything@ to name@.
PLUS_TAG_DOMAINS = frozenset(
    {
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "icloud.com",
        "me.com",
        "fastmail.com",
        "protonmail.com",
        "proton.me",
        "pm.me",
    }
)
# Providers that ignore dots in the local part.
DOTLESS_DOMAINS = frozenset({"gmail.com"})
# Other names of the same provider.
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}


def canonical_email(email: str) -> str:
    """The mailbox an address reaches: J.Doe+promo@GoogleMail.com -> jdoe@gmail.com, while
    A+b@example.org -> a+b@example.org (an unknown provider's tags may be real addresses)."""
    email = email.strip().lower()
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    domain = DOMAIN_ALIASES.get(domain, domain)
    if domain in PLUS_TAG_DOMAINS:
        local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


@cache
def _domains_in_file(path: str) -> frozenset[str]:
    if not path:
        return frozenset()
    lines = Path(path).read_text().splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def disposable_domains() -> frozenset[str]:
    """The list file (settings.DISPOSABLE_EMAIL_DOMAINS_FILE, empty for none) plus the extra
    domains in settings.DISPOSABLE_EMAIL_DOMAINS."""
    extra = {d.strip().lower() for d in settings.DISPOSABLE_EMAIL_DOMAINS if d.strip()}
    return _domains_in_file(str(settings.DISPOSABLE_EMAIL_DOMAINS_FILE or "")) | extra


def is_disposable(email: str) -> bool:
    """True for an address at a listed domain or any subdomain of one."""
    domain = email.strip().lower().rpartition("@")[2]
    listed = disposable_domains()
    parts = domain.split(".")
    return any(".".join(parts[i:]) in listed for i in range(len(parts) - 1))
