"""Background work for accounts: building data exports and removing expired ones."""

from celery import shared_task

from webapp.accounts import export


@shared_task
def build_data_export(export_id: int) -> bool:
    return export.build(export_id)


@shared_task
def remove_expired_exports() -> int:
    return export.remove_expired()
