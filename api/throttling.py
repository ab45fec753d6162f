import hashlib

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
        # A digest: the key stays short whatever the client sends (the body's limits still
        # apply), and cache backends cap key lengths.
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
