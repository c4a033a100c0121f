from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from webapp import metrics, views
from webapp.api.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("generation.urls")),
    path("", include("webapp.sharing.urls")),
    path("pricing/", views.pricing, name="pricing"),
    path("", include("billing.urls")),
    path("billing/", include("billing.payment_urls")),
    path("health/", views.health, name="health"),
    path("metrics", metrics.metrics_view, name="metrics"),
    # Browsers, feed readers and bookmarks ask for /favicon.ico whatever the page's <link> says.
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.ico"), permanent=True)),
    path("accounts/", include("webapp.accounts.urls")),
    path("accounts/tokens/", include("webapp.api.urls")),
    path("accounts/webhooks/", include("webapp.api.webhook_urls")),
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/", include("webapp.staff.urls")),
    path("admin/", admin.site.urls),
]
