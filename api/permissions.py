from rest_framework.permissions import BasePermission

from activities.selectors import user_can_edit


class IsOrganizationEditor(BasePermission):
    """Reads for members only (e.g. the member list of an organization)."""

    def has_object_permission(self, request, view, obj) -> bool:
        return user_can_edit(user=request.user, organization=obj)
