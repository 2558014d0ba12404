"""One HTTP session per target, with the retry policy every request shares: a refused
connection, a timeout, 429 and the 5xx a busy server answers are tried again with
exponential backoff (honouring Retry-After); anything else is the answer."""

from __future__ import annotations

import re
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from audiopaper import __version__
from audiopaper.deliver.base import DeliveryFailed, Unreachable

RETRY_STATUSES = (429, 500, 502, 503, 504)


class Session:
    def __init__(self, base_url: str, options: dict[str, Any], auth: Any = None, headers: dict[str, str] | None = None):
        self.base = base_url.rstrip("/")
        self.timeout = options["timeout"]
        retry = Retry(
            total=options["tries"] - 1,
            backoff_factor=options["retry_delay_ms"] / 1000,
            status_forcelist=RETRY_STATUSES,
            # Uploads too: every upload here replaces by path or is followed by removing
            # what it replaced, so one that is sent twice leaves no duplicate behind.
            allowed_methods=None,
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        self.http = requests.Session()
        self.http.mount("http://", HTTPAdapter(max_retries=retry))
        self.http.mount("https://", HTTPAdapter(max_retries=retry))
        self.http.auth = auth
        self.http.headers["User-Agent"] = f"audiopaper/{__version__}"
        self.http.headers.update(headers or {})

    def request(
        self, method: str, path: str, ok: tuple[int, ...] = (200, 201, 204), **kwargs: Any
    ) -> requests.Response:
        """The response, whose status is one of `ok`; DeliveryFailed (one line) otherwise."""
        url = self.base + path
        try:
            response = self.http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.exceptions.RetryError as exc:
            raise DeliveryFailed(f"{method} {path}: still failing after retries ({_reason(exc)})") from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Unreachable(f"{method} {path}: no answer from {self.base} ({_reason(exc)})") from None
        except requests.RequestException as exc:
            raise DeliveryFailed(f"{method} {path}: {_reason(exc)}") from None
        if response.status_code not in ok:
            raise DeliveryFailed(f"{method} {path}: HTTP {response.status_code} {_snippet(response)}".rstrip())
        return response

    def json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise DeliveryFailed(f"{response.request.method} {response.url}: the answer is not JSON") from None

    def close(self) -> None:
        self.http.close()


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    errno = re.search(r"\[Errno -?\d+\] ([^'\")]*)", text)  # "Connection refused", not urllib3's repr
    if errno:
        return errno.group(1).strip()
    if "timed out" in text.lower():
        return "timed out"
    return text[:160]


def _snippet(response: requests.Response) -> str:
    text = " ".join(response.text.split())
    return text[:120]
