"""One error shape for every error response: `{"error": {"status", "message", "fields"}}`, and the one
place where the domain's refusals (`webapi.core.domain_errors`) become HTTP answers (`HTTP_STATUS`).

`fields` lists what was wrong with the request, one entry per invalid field (`loc` as a dotted path).
Every error answer carries the security headers itself, also a 500 made outside the middleware stack; a
database that is locked or unreachable is a 503 with `Retry-After`, any other failure a 500 in this shape.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from webapi.core.domain_errors import (
    ConflictError,
    DomainError,
    FieldProblem,
    ForbiddenError,
    GoneError,
    InvalidError,
    NotFoundError,
    UnavailableError,
    UpstreamError,
    validation_problems,
)
from webapi.core.http_headers import PAGE_HEADERS

log = logging.getLogger(__name__)


class FieldError(BaseModel):
    loc: str
    message: str


class ErrorBody(BaseModel):
    status: int
    message: str
    fields: list[FieldError] = []


class ErrorResponse(BaseModel):
    """The body of every 4xx/5xx answer."""

    error: ErrorBody


# Each kind of refusal and its answer; a kind not listed answers as its nearest listed base class.
HTTP_STATUS: dict[type[DomainError], int] = {
    DomainError: 400,
    ForbiddenError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    GoneError: 410,
    InvalidError: 422,
    UpstreamError: 502,
    UnavailableError: 503,
}


def http_status(error: DomainError) -> int:
    return next(HTTP_STATUS[kind] for kind in type(error).__mro__ if kind in HTTP_STATUS)


class ApiError(Exception):
    """Raise from HTTP code (routes, dependencies); the handler turns it into the error shape with this
    status. Stores, services and task types raise `webapi.core.domain_errors` instead."""

    def __init__(self, status: int, message: str, fields: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or []


def error_response(
    status: int, message: str, fields: list[FieldError] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(status=status, message=message, fields=fields or []))
    return JSONResponse(body.model_dump(), status_code=status, headers={**PAGE_HEADERS, **(headers or {})})


def _field_errors(problems: list[FieldProblem]) -> list[FieldError]:
    return [FieldError(loc=problem.loc, message=problem.message) for problem in problems]


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.fields)


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(http_status(exc), exc.message, _field_errors(exc.fields))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = _field_errors(validation_problems(exc.errors()))
    summary = "; ".join(f"{f.loc}: {f.message}" for f in fields) or "invalid request"
    return error_response(422, f"Invalid request: {summary}", fields)


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", exc)
    return error_response(
        503, "The database is busy or unreachable; try again shortly", headers={"Retry-After": "5"}
    )


async def _internal_error(_request: Request, _exc: Exception) -> JSONResponse:
    # Starlette logs the exception with its traceback after this answer is sent.
    return error_response(500, "Internal error; the service log has the details")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(Exception, _internal_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
