"""Where the C2PA signing certificate comes from: the operator's, or a local test chain.

An operator sets C2PA_SIGN_CERT and C2PA_SIGN_KEY (PEM files). Without them, `make run` and the
tests use a test chain made once under DATA_DIR/c2pa: a root CA and a signing certificate with
the extended key usage C2PA validators accept (emailProtection). Its manifests validate, but
only this installation (the check page, which trusts the chain's root) calls them trusted.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

CHAIN_FILE, KEY_FILE, ROOT_FILE = "chain.pem", "key.pem", "root.pem"


@dataclass(frozen=True)
class SigningMaterial:
    chain: bytes  # PEM, signing certificate first
    key: bytes  # PEM private key
    anchors: bytes  # PEM roots that the check page trusts


def test_chain_folder() -> Path:
    return Path(settings.DATA_DIR) / "c2pa"


def signing_material() -> SigningMaterial:
    """The configured certificate chain and key, or the local test chain (made on first use)."""
    if settings.C2PA_SIGN_CERT:
        chain = Path(settings.C2PA_SIGN_CERT).read_bytes()
        key = Path(settings.C2PA_SIGN_KEY).read_bytes()
    else:
        folder = ensure_test_chain()
        chain, key = (folder / CHAIN_FILE).read_bytes(), (folder / KEY_FILE).read_bytes()
    if settings.C2PA_TRUST_ANCHORS:
        anchors = Path(settings.C2PA_TRUST_ANCHORS).read_bytes()
    else:
        anchors = x509.load_pem_x509_certificates(chain)[-1].public_bytes(
            serialization.Encoding.PEM
        )
    return SigningMaterial(chain=chain, key=key, anchors=anchors)


def ensure_test_chain(folder: Path | None = None) -> Path:
    """Make the local test chain in `folder` unless it is there; returns the folder.

    Written into a temporary folder that is then renamed into place, so two processes starting
    at once never pair one's certificate with the other's key.
    """
    folder = folder or test_chain_folder()
    if (folder / CHAIN_FILE).exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".c2pa-", dir=folder.parent))
    chain, key, root = make_test_chain(settings.SITE_NAME)
    for name, data in ((CHAIN_FILE, chain), (KEY_FILE, key), (ROOT_FILE, root)):
        (staging / name).write_bytes(data)
    (staging / KEY_FILE).chmod(0o600)
    try:
        os.rename(staging, folder)
    except OSError:  # another process got there first: keep theirs
        for name in (CHAIN_FILE, KEY_FILE, ROOT_FILE):
            (staging / name).unlink()
        staging.rmdir()
    return folder


def make_test_chain(organization: str) -> tuple[bytes, bytes, bytes]:
    """(chain PEM, signing key PEM, root PEM): an ES256 root CA and a signing certificate."""
    now = datetime.datetime.now(datetime.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"{organization} test root CA (not for production)", organization)
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{organization} content credentials (test)", organization))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return leaf.public_bytes(pem) + root.public_bytes(pem), key_pem, root.public_bytes(pem)


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization[:64]),
        ]
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
