"""Download a spec's checkpoints from the Hugging Face Hub: exactly the files the loader reads.

    python manage.py fetch_model ltx-video                      # into GENERATION_MODEL_DIR
    python manage.py fetch_model wan2.1 --model-dir /srv/models --revision main

Each checkpoint goes to `<model dir>/<org>/<name>/` as a diffusers folder (generation/engine/
checkpoints.py chooses the files: model_index.json, each component's configs and variant-free
safetensors, shared components once from their source). Run it again to resume: files already
complete are kept, the others are downloaded again. A gated repository (FLUX.1, some Wan
checkpoints) needs its licence accepted on the Hub and a token in HF_TOKEN; HF_ENDPOINT points
at a mirror. Nothing is downloaded at run time by the workers; this is the only download.
"""

from __future__ import annotations

import glob
import json
import logging
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from generation.engine import checkpoints
from generation.engine.specs import get_spec

GiB = 1 << 30


def human_size(nbytes: int) -> str:
    return f"{nbytes / GiB:.2f} GiB" if nbytes >= GiB / 10 else f"{nbytes / (1 << 20):.2f} MiB"


def resolve_model_dir(value: str | None) -> Path:
    """--model-dir, else GENERATION_MODEL_DIR, else DATA_DIR/models."""
    found = value or getattr(settings, "GENERATION_MODEL_DIR", None)
    return Path(found or Path(settings.DATA_DIR) / "models").expanduser().resolve()


def resolve_spec(name: str):
    try:
        return get_spec(name)
    except KeyError as error:
        raise CommandError(error.args[0]) from None


class Command(BaseCommand):
    help = "Download the files of a model spec's checkpoints from the Hugging Face Hub."

    def add_arguments(self, parser):
        parser.add_argument("spec", help="a model spec (generation/engine/specs.py)")
        parser.add_argument("--model-dir", help="default: GENERATION_MODEL_DIR")
        parser.add_argument("--revision", default="main", help="branch, tag or commit (main)")

    def handle(self, *args, spec, model_dir, revision, **options):
        spec = resolve_spec(spec)
        model_dir = resolve_model_dir(model_dir)
        for name in ("httpx", "httpx2"):  # one INFO line per request otherwise
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            self.fetch(spec, model_dir, revision, options["verbosity"])
        except Exception as error:
            message = hub_error_message(error)
            if message is None:
                raise
            raise CommandError(message) from None

    def fetch(self, spec, model_dir: Path, revision: str, verbosity: int) -> None:
        from huggingface_hub import HfApi, hf_hub_download, snapshot_download

        api = HfApi()
        self.stdout.write(f"Fetching {spec.id} from {api.endpoint} into {model_dir}")
        # First every repository's listing and model_index.json (small), so that a missing or
        # gated repository fails before gigabytes of the others are downloaded.
        shas, listings, indexes = {}, {}, {}
        for checkpoint in checkpoints.source_checkpoints(spec):
            info = api.model_info(checkpoint, revision=revision, files_metadata=True)
            shas[checkpoint] = info.sha
            listings[checkpoint] = {s.rfilename: s.size for s in info.siblings or []}
            if "model_index.json" not in listings[checkpoint]:
                raise CommandError(
                    f"{checkpoint} has no model_index.json: not a diffusers pipeline"
                )
            path = hf_hub_download(
                checkpoint,
                "model_index.json",
                revision=info.sha,
                local_dir=model_dir / checkpoint,
            )
            indexes[checkpoint] = json.loads(Path(path).read_text())
        chosen = {}
        for checkpoint, parts in checkpoints.needed_parts(spec, indexes).items():
            files, problems = checkpoints.select_files(parts, listings[checkpoint])
            if problems:
                raise CommandError(f"{checkpoint}@{shas[checkpoint][:8]}: {'; '.join(problems)}")
            chosen[checkpoint] = {name: listings[checkpoint][name] for name in files}
        total = 0
        for checkpoint, files in chosen.items():
            folder = model_dir / checkpoint
            snapshot_download(
                checkpoint,
                revision=shas[checkpoint],
                local_dir=folder,
                allow_patterns=[glob.escape(name) for name in files],
            )
            checkpoints.write_record(folder, shas[checkpoint], files)
            size = sum(s or 0 for s in files.values())
            total += size
            self.stdout.write(
                f"{checkpoint}@{shas[checkpoint][:8]}: {len(files)} files, {human_size(size)}"
            )
            for line in _by_component(files, verbosity):
                self.stdout.write(f"  {line}")
        self.stdout.write(
            self.style.SUCCESS(
                f"fetched {spec.id}: {total:,} bytes ({human_size(total)}) in {model_dir}"
            )
        )


def _by_component(files: dict[str, int | None], verbosity: int) -> list[str]:
    """One line per component folder (per file at verbosity 2)."""
    if verbosity >= 2:
        return [f"{name:<60} {human_size(size or 0):>11}" for name, size in files.items()]
    folders: dict[str, list[int]] = {}
    for name, size in files.items():
        folders.setdefault(name.rpartition("/")[0] or ".", []).append(size or 0)
    return [
        f"{folder:<16} {len(sizes):>3} files {human_size(sum(sizes)):>11}"
        for folder, sizes in folders.items()
    ]


def hub_error_message(error: Exception) -> str | None:
    """One line for the operator for an error of the Hub client; None for anything else."""
    from huggingface_hub import constants
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    response = getattr(error, "response", None)
    url = getattr(getattr(response, "request", None), "url", "")
    repo = _repo_of(str(url), constants.ENDPOINT)
    if isinstance(error, GatedRepoError) or (
        isinstance(error, HfHubHTTPError)
        and getattr(response, "status_code", 0) in (401, 403)
        and not isinstance(error, RepositoryNotFoundError)
    ):
        return (
            f"{repo} is gated: accept its licence at https://huggingface.co/{repo} with your "
            "account, then set HF_TOKEN to a read token of that account and run this again"
        )
    if isinstance(error, RepositoryNotFoundError):
        hint = (
            " (tiny/... are demo checkpoints built in code: workers need no download)"
            if repo.startswith("tiny/")
            else " (or it is private: set HF_TOKEN)"
        )
        return f"{repo}: no such repository on {constants.ENDPOINT}{hint}"
    if isinstance(error, RevisionNotFoundError):
        return f"{repo}: no such revision ({error.server_message or url})"
    if isinstance(error, RemoteEntryNotFoundError):
        return f"{repo}: a file vanished from the repository while fetching ({url})"
    if isinstance(error, OfflineModeIsEnabled) or (
        isinstance(error, LocalEntryNotFoundError) and constants.is_offline_mode()
    ):
        return "HF_HUB_OFFLINE is set: unset it to download"
    if isinstance(error, HfHubHTTPError):
        return f"{error.__class__.__name__}: {str(error).splitlines()[0]}; run again to resume"
    if isinstance(error, (LocalEntryNotFoundError, OSError)) or _is_network_error(error):
        first = str(error).splitlines()[0] if str(error) else error.__class__.__name__
        return f"download failed ({first}); run again to resume"
    return None


def _repo_of(url: str, endpoint: str) -> str:
    """The "org/name" of a Hub URL (/api/models/org/name/..., /org/name/resolve/...)."""
    path = url[len(endpoint) :] if url.startswith(endpoint) else url
    parts = [p for p in path.split("?")[0].split("/") if p]
    if parts[:2] == ["api", "models"]:
        parts = parts[2:]
    return "/".join(parts[:2]) or "the repository"


def _is_network_error(error: Exception) -> bool:
    """A connection error of the Hub client's HTTP library (httpx, httpx2 or requests)."""
    return type(error).__module__.split(".")[0] in ("httpx", "httpx2", "requests", "urllib3")
