"""The REST API as typed calls over httpx; every failure becomes `ApiError` or `UnreachableError`."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx

from webapi.client.connection import Connection

JsonObject = dict[str, Any]
Query = list[tuple[str, str | int | float | bool | None]]
# Long enough for a batch of work on a Raspberry Pi master, short enough that a dead service shows.
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class ApiError(Exception):
    """The service answered with an error status; `message` is its words."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class UnreachableError(Exception):
    """No answer from the service: the message says what happened at which URL."""


def _user_agent() -> str:
    try:
        return f"dispycluster-cli/{version('dispycluster')}"
    except PackageNotFoundError:
        return "dispycluster-cli"


def error_message(response: httpx.Response) -> str:
    """The service's error shape `{"error": {"message"}}`, FastAPI's `{"detail"}` (another service or a
    proxy in between), else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail
        if detail is not None:
            return str(detail)
    text = " ".join(response.text.split())[:200]
    return text or response.reason_phrase or "no message"


def _unreachable(url: str, error: httpx.HTTPError) -> UnreachableError:
    if isinstance(error, httpx.ConnectError):
        what = f"cannot connect ({error})"
    elif isinstance(error, httpx.TimeoutException):
        what = "no answer in time"
    else:
        what = str(error) or type(error).__name__
    return UnreachableError(f"the service at {url} is unreachable: {what}")


def _decode(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ApiError(response.status_code, f"not a JSON answer from {response.url}") from None


class ApiClient:
    """One connection pool to the service; use it as a context manager."""

    def __init__(self, connection: Connection) -> None:
        headers = {"User-Agent": _user_agent(), "Accept": "application/json"}
        if connection.token is not None:
            headers["Authorization"] = f"Bearer {connection.token}"
        self.connection = connection
        self._http = httpx.Client(base_url=connection.url, headers=headers, timeout=TIMEOUT)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._http.close()

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        body: JsonObject | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = self._http.request(method, path, params=params, json=body, headers=headers)
        except httpx.HTTPError as error:
            raise _unreachable(self.connection.url, error) from None
        if response.is_error:
            raise ApiError(response.status_code, error_message(response))
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return _decode(self._call(method, path, **kwargs))

    # -- jobs ------------------------------------------------------------------------------------
    def job_types(self) -> list[JsonObject]:
        types: list[JsonObject] = self._json("GET", "/api/jobs/types")
        return types

    def submit(self, spec: JsonObject, idempotency_key: str | None = None) -> JsonObject:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        job: JsonObject = self._json("POST", "/api/jobs", body=spec, headers=headers)
        return job

    def jobs(self, params: Query) -> JsonObject:
        page: JsonObject = self._json("GET", "/api/jobs", params=params)
        return page

    def job(self, job_id: int) -> JsonObject:
        job: JsonObject = self._json("GET", f"/api/jobs/{job_id}")
        return job

    def logs(self, job_id: int, since: int, limit: int) -> JsonObject:
        page: JsonObject = self._json(
            "GET", f"/api/jobs/{job_id}/logs", params=[("since", since), ("limit", limit)]
        )
        return page

    def cancel(self, job_id: int) -> tuple[JsonObject, bool]:
        """The job, and whether it has ended (200) rather than being stopped on its node (202)."""
        response = self._call("DELETE", f"/api/jobs/{job_id}")
        job: JsonObject = _decode(response)
        return job, response.status_code == httpx.codes.OK

    def retry(self, job_id: int) -> JsonObject:
        job: JsonObject = self._json("POST", f"/api/jobs/{job_id}/retry")
        return job

    # -- nodes -----------------------------------------------------------------------------------
    def drain(self, name: str, reason: str | None, until: str | None) -> JsonObject:
        body = {key: value for key, value in (("reason", reason), ("until", until)) if value is not None}
        path = f"/api/cluster/nodes/{quote(name, safe='')}/drain"
        node: JsonObject = self._json("POST", path, body=body or None)
        return node

    def resume(self, name: str) -> JsonObject:
        node: JsonObject = self._json("POST", f"/api/cluster/nodes/{quote(name, safe='')}/resume")
        return node
