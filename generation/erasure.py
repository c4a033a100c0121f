"""Removing everything a user made when their account is deleted: jobs, prompts, uploaded
photos, outputs and moderation flags.

Jobs still queued, running or under review end first through the same functions as a cancel or
a rejection, so every point they held goes back to the wallet before it is closed. A worker
still busy with a deleted job finds no row at its next heartbeat and stops; its `succeed`
finds nothing to finish, so it stores nothing.
"""

import logging

from django.core.files.storage import default_storage
from django.db import transaction

from billing import ledger
from generation import services
from generation.models import Asset, Job, ReferencePhoto

log = logging.getLogger(__name__)

CLOSED_MESSAGE = "The account was deleted."


def end_open_jobs(user) -> list[int]:
    """Cancel or end every job of the user that still holds points; returns their ids."""
    ended = services.cancel_all(user, reject_held_outputs=CLOSED_MESSAGE)
    # Any hold left open (a job whose status moved on without settling) is returned too.
    for held in ledger.open_holds(user):
        ledger.release(held.ref)
    return ended


def erase_works(user) -> int:
    """Delete every job row of the user (their flags and asset rows go with them) and, once
    that commits, every file they point at. Returns how many jobs were removed."""
    jobs = Job.objects.filter(user=user)
    names = [
        f.name
        for job in jobs.only("input_image", "end_image", "second_image", "input_video")
        for f in (job.input_image, job.end_image, job.second_image, job.input_video)
        if f
    ]
    names += [
        reference.image.name
        for reference in ReferencePhoto.objects.filter(job__user=user).only("image")
    ]
    names += [
        f.name
        for asset in Asset.objects.filter(job__user=user).only("file", "marked_file")
        for f in (asset.file, asset.marked_file)
        if f
    ]
    count = jobs.count()
    jobs.delete()
    transaction.on_commit(lambda: _delete_files(names))
    return count


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            # A file left behind is found by its missing row; the account is gone either way.
            log.exception("could not delete %s of a deleted account", name)
