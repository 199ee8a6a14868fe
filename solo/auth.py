from axes.backends import AxesStandaloneBackend


class PasswordLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout, for password sign-ins only.

    Magic links (django-sesame) are checked without a request and are single-use and
    short-lived, so they need no lockout; axes would refuse a call without a request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or password is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
