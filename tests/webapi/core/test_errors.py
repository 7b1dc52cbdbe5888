"""The domain's refusals become HTTP answers in one place: each kind its status, in the error shape."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

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
)
from webapi.core.errors import HTTP_STATUS, http_status, install_error_handlers


class UnknownRackError(NotFoundError):
    """A kind a feature derives: it answers as its base."""


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (DomainError("refused"), 400),
        (ForbiddenError("switched off"), 403),
        (NotFoundError("no such job"), 404),
        (UnknownRackError("no rack 7"), 404),
        (ConflictError("name taken"), 409),
        (GoneError("deleted since"), 410),
        (InvalidError("bad type", [FieldProblem("body.type", "unknown")]), 422),
        (UpstreamError("Prometheus: HTTP 500"), 502),
        (UnavailableError("not running"), 503),
    ],
)
def test_each_kind_answers_with_its_status_in_the_error_shape(error, status):
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/refuse")
    def refuse() -> None:
        raise error

    answer = TestClient(app).get("/refuse")
    assert answer.status_code == status
    fields = [{"loc": loc, "message": message} for loc, message in error.fields]
    assert answer.json() == {"error": {"status": status, "message": error.message, "fields": fields}}
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_every_kind_has_its_status():
    kinds = {DomainError, *DomainError.__subclasses__()}
    assert kinds <= set(HTTP_STATUS)


def test_a_deleted_thing_is_gone():
    assert http_status(GoneError("the job created under this key has since been deleted")) == 410
