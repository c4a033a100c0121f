from django.conf import settings


def site(request):
    # CONTACT_EMAIL: where a person writes when the site cannot help them (a suspension...).
    return {
        "SITE_NAME": settings.SITE_NAME,
        "CONTACT_EMAIL": settings.DEFAULT_FROM_EMAIL,
        "DAILY_POINTS": settings.DAILY_POINTS,
    }
