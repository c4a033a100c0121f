"""allauth's sign-up and add-address forms with the abuse checks (settings.ACCOUNT_FORMS).

Kept out of the adapter's clean_email on purpose: allauth also cleans the address of a password
reset with it, and an existing user must still be able to reset theirs."""

from allauth.account.forms import AddEmailForm, SignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from webapp.accounts.emails import is_disposable
from webapp.accounts.models import TAKEN_MESSAGE, email_is_taken

DISPOSABLE_MESSAGE = _(
    "Addresses at disposable e-mail services cannot be used. Please use another address."
)


class NewAddressChecks:
    """Refuse throwaway domains and a second account for one mailbox (j.doe+x@gmail.com is
    jdoe@gmail.com). The address itself is kept as typed, in lower case, for sending mail."""

    def clean_email(self):
        email = super().clean_email()
        if is_disposable(email):
            raise forms.ValidationError(DISPOSABLE_MESSAGE)
        user = getattr(self, "user", None)
        if email_is_taken(email, exclude=user):
            raise forms.ValidationError(TAKEN_MESSAGE)
        return email


class StudioSignupForm(NewAddressChecks, SignupForm):
    pass


class StudioAddEmailForm(NewAddressChecks, AddEmailForm):
    pass


class DeleteAccountForm(forms.Form):
    """Deleting an account takes the password (someone at an unlocked screen cannot do it) and
    an explicit tick that the person understands it cannot be undone."""

    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label=_(
            "I understand that my videos, pictures, uploads and points are deleted for good and "
            "that my membership ends now without a refund."
        )
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password
