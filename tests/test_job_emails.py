"""Job e-mails go out from a task on the default queue: a slow or unreachable mail server holds
neither a GPU worker nor a web request, and a failed send is retried."""

import pytest
from django.core import mail

from generation import notify
from generation.models import Job
from generation.tasks import send_job_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(alice):
    return Job.objects.create(
        user=alice,
        kind="text_to_video",
        status="succeeded",
        params={},
        model_spec="tiny",
        points_held=0,
    )


def test_the_email_is_queued_not_sent_by_the_worker_that_finished_the_job(done, monkeypatch):
    queued = []
    monkeypatch.setattr(send_job_email, "delay", lambda *args: queued.append(args))
    notify.later(done.pk)
    assert queued == [(done.pk, "finished")] and mail.outbox == []
    assert send_job_email(done.pk, "finished") is True
    assert mail.outbox[-1].subject.endswith("Your video is ready")


def test_with_the_broker_down_it_is_sent_at_once_instead(done, monkeypatch):
    from kombu.exceptions import OperationalError

    def broker_down(*args):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(send_job_email, "delay", broker_down)
    notify.later(done.pk)
    assert mail.outbox[-1].to == ["alice@example.com"]


def test_a_mail_server_failure_is_retried_and_never_breaks_the_caller(done, monkeypatch):
    from kombu.exceptions import OperationalError

    calls = []

    def server_down(*args, **kwargs):
        calls.append(1)
        raise TimeoutError("timed out")  # what EMAIL_TIMEOUT raises

    monkeypatch.setattr(notify, "send_mail", server_down)
    result = send_job_email.apply(args=(done.pk,))
    assert len(calls) == send_job_email.max_retries + 1  # retried, then given up
    assert isinstance(result.result, OSError)

    monkeypatch.setattr(
        send_job_email, "delay", lambda *a: (_ for _ in ()).throw(OperationalError("down"))
    )
    notify.later(done.pk)  # broker and mail server both down: logged, not raised


def test_the_email_of_a_job_deleted_meanwhile_is_dropped(done):
    job_id = done.pk
    done.delete()
    assert send_job_email(job_id) is False
    assert mail.outbox == []
