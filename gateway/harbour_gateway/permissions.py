"""Who may ask for a field: Strawberry permission classes over the verified token."""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from harbour_gateway.context import Info
from harbour_kit.auth import Role


class SignedIn(BasePermission):
    """Any signed-in member of the network."""

    message = "Sign in: this needs a bearer token."
    error_extensions: dict[str, Any] | None = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal is not None


class _HasRole(BasePermission):
    """Listed after `SignedIn`, so a missing token is reported as such first."""

    roles: ClassVar[tuple[str, ...]] = ()
    error_extensions: dict[str, Any] | None = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and principal.has_role(*self.roles)


class SocialWorker(_HasRole):
    """Referrers: record consent, send and follow referrals."""

    roles = (Role.SOCIAL_WORKER,)
    message = "Only social workers do this."


class PartnerStaff(_HasRole):
    """Staff of a receiving organisation (partner staff and org admins)."""

    roles = (Role.PARTNER_STAFF, Role.ORG_ADMIN)
    message = "Only a partner organisation's staff do this."


class OrgAdmin(_HasRole):
    """Those who keep their organisation's listings and webhooks."""

    roles = (Role.ORG_ADMIN,)
    message = "Only your organisation's admins do this."


class ListingAdmin(_HasRole):
    """Those who may vouch for a listing: its organisation's admins and network admins."""

    roles = (Role.ORG_ADMIN, Role.NETWORK_ADMIN)
    message = "Only an organisation's admins or network administrators do this."


class NetworkAdmin(_HasRole):
    """The network's administrators."""

    roles = (Role.NETWORK_ADMIN,)
    message = "Only network administrators see this."
