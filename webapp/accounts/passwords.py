"""How passwords are stored: Argon2id at OWASP's first recommended setting.

Django's default, PBKDF2-SHA256 at 1,000,000+ iterations, costs ~230 ms of CPU per log-in on our
2-core box, so a burst of log-ins stalls the web tier (docs/BENCHMARKS.md, "Load test"). Argon2id
with 19 MiB, 2 passes and 1 lane (OWASP Password Storage Cheat Sheet) costs ~30 ms and, being
memory-hard, is harder to attack on GPUs than PBKDF2. Django's own Argon2 defaults (100 MiB,
8 lanes) cost as much CPU as PBKDF2 and 8 threads per log-in, which a web process cannot spare.

Existing PBKDF2 (and Django-default Argon2) hashes still verify, and Django re-hashes them with
this setting at the user's next log-in (`must_update`).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
