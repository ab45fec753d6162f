from django.utils.cache import patch_vary_headers


class VaryOnAuthorizationMiddleware:
    """API answers depend on who asks: caches (and ETags) must keep them apart."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            patch_vary_headers(response, ("Authorization",))
        return response
