from django.urls import path

from webapp.api import webhook_views

app_name = "api_webhooks"

urlpatterns = [
    path("", webhook_views.webhook_list, name="list"),
    path("<int:endpoint_id>/delete/", webhook_views.webhook_delete, name="delete"),
    path("<int:endpoint_id>/test/", webhook_views.webhook_test, name="test"),
]
