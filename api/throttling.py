from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class AuthIPThrottle(AnonRateThrottle):
    """Login and registration attempts per client address, signed in or not."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthEmailThrottle(SimpleRateThrottle):
    """Login attempts per target account, so spreading guesses over addresses does not help."""

    scope = "auth_email"

    def get_cache_key(self, request, view):
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email:
            return None
        return self.cache_format % {"scope": self.scope, "ident": email.strip().lower()}
