"""Permissions as staff read them, in their language.

Django writes each permission's name into the database once, in English, when its app is
migrated ("Can add points pack"), so the admin's role and user forms would show them in English
whatever the reader's language. Here a permission is named again from its model: Django's four
actions by a translated sentence with the model's translated name, a model's own permissions by
the translated name in its Meta."""

from django import forms
from django.utils.translation import gettext_lazy as _

DEFAULT_ACTIONS = {
    "add": _("Can add %(name)s"),
    "change": _("Can change %(name)s"),
    "delete": _("Can delete %(name)s"),
    "view": _("Can view %(name)s"),
}


def permission_name(permission) -> str:
    """The permission's name in the active language; the stored one for a model that is gone."""
    model = permission.content_type.model_class()
    if model is None:
        return permission.name
    opts = model._meta
    for codename, name in opts.permissions:
        if codename == permission.codename:
            return str(name)
    action, _sep, model_name = permission.codename.partition("_")
    if model_name == opts.model_name and action in DEFAULT_ACTIONS:
        return DEFAULT_ACTIONS[action] % {"name": opts.verbose_name}
    return permission.name


class PermissionsField(forms.ModelMultipleChoiceField):
    """The admin's permission picker, each choice "app | model | permission" translated."""

    def label_from_instance(self, permission):
        return f"{permission.content_type} | {permission_name(permission)}"
