"""One error shape for every error response: `{"error": {"status", "message", "fields"}}`.

`fields` lists what was wrong with the request, one entry per invalid field (`loc` as a dotted path).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException


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


class ApiError(Exception):
    """Raise from service code; the handler turns it into the error shape with this status."""

    def __init__(self, status: int, message: str, fields: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or []


def error_response(
    status: int, message: str, fields: list[FieldError] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(status=status, message=message, fields=fields or []))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _loc(parts: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in parts)


def validation_fields(errors: list[dict[str, Any]]) -> list[FieldError]:
    return [FieldError(loc=_loc(err.get("loc", ())), message=err.get("msg", "invalid")) for err in errors]


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.fields)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = validation_fields(list(exc.errors()))
    summary = "; ".join(f"{f.loc}: {f.message}" for f in fields) or "invalid request"
    return error_response(422, f"Invalid request: {summary}", fields)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
