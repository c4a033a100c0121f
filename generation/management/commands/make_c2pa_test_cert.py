"""Make the local C2PA test certificate chain under DATA_DIR/c2pa (once; `bin/run` calls it).

With C2PA_SIGN_CERT and C2PA_SIGN_KEY set the operator's certificate is used and this does
nothing.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from generation.provenance.certificates import ensure_test_chain


class Command(BaseCommand):
    help = "Make a local test certificate chain for signing C2PA manifests, unless one is set."

    def handle(self, *args, **opts):
        if settings.C2PA_SIGN_CERT:
            self.stdout.write(f"C2PA signing uses {settings.C2PA_SIGN_CERT}; nothing to make.")
            return
        folder = ensure_test_chain()
        self.stdout.write(f"C2PA test certificate chain (not for production): {folder}")
