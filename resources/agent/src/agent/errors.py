"""The agent's own failures, and the network errors every client retries."""
import http.client


NET_ERRORS = (OSError, http.client.HTTPException)


class Fail(Exception):
    pass


class Cancelled(Exception):
    pass


class StoreError(Fail):
    """An object store's refusal (an HTTP status under 500 other than throttling): not worth a retry."""

    def __init__(self, message, status):
        self.status = status
        Fail.__init__(self, message)
