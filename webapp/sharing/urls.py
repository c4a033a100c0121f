from django.urls import path

from webapp.sharing import staff_views, views

app_name = "sharing"
urlpatterns = [
    path("explore/", views.explore, name="explore"),
    path("share/<str:token>/", views.share_page, name="page"),
    path("share/<str:token>/embed/", views.embed, name="embed"),
    path("share/<str:token>/file/<str:what>/", views.share_file, name="file"),
    path("share/<str:token>/like/", views.like, name="like"),
    path("share/<str:token>/report/", views.report, name="report"),
    path("share/<str:token>/remix/", views.remix, name="remix"),
    path("oembed/", views.oembed, name="oembed"),
    path("u/<slug:handle>/", views.profile, name="profile"),
    path("settings/profile/", views.profile_settings, name="profile_settings"),
    path("jobs/<int:job_id>/publish/", views.publish, name="publish"),
    path("jobs/<int:job_id>/unpublish/", views.unpublish, name="unpublish"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("language/", views.set_language, name="set_language"),
    path("staff/shared/", staff_views.reported, name="staff_reported"),
    path("staff/shared/<int:share_id>/<str:decision>/", staff_views.decide, name="staff_decide"),
]
