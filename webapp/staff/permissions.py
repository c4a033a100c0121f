"""Who may use a staff page: a signed-in staff member (others are sent to the staff login) who
also holds the page's permission (others get 403). Every staff view goes through `staff_only`."""

from functools import wraps

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied


def staff_only(*perms: str):
    def decorate(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return staff_member_required(checked)

    return decorate


def can_moderate(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm("staff.moderate_content")
