from django import forms
from django.utils.translation import gettext_lazy as _

from webapp.sharing.models import Report


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Report.Reason.choices)
    note = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        required=False,
        help_text=_("Shown on your shared works instead of your e-mail address."),
    )
    anonymous = forms.BooleanField(
        label=_("Stay anonymous"),
        required=False,
        help_text=_("Your works show no name and your profile page is not shown."),
    )
