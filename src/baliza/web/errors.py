"""One handler for BalizaError, one for request validation, one for the unexpected.

API calls get ``{"error": {"code", "message", "details"}}``; pages get ``error.html``.
"""

from __future__ import annotations

import logging
import uuid
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from baliza.core.errors import AuthenticationError, BalizaError, TooManyRequestsError
from baliza.core.i18n import _
from baliza.ingest.issues import show_value

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _render(request: Request, status: int, code: str, message: str, details: dict[str, object]) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": {"code": code, "message": message, "details": details}}, status_code=status)
    templates = request.app.state.templates
    return HTMLResponse(
        templates.get_template("error.html").render(
            request=request, status=status, code=code, message=message, details=details
        ),
        status_code=status,
    )


async def baliza_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BalizaError)
    if isinstance(exc, AuthenticationError) and not _wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    response = _render(request, exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, TooManyRequestsError):
        response.headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, AuthenticationError):
        response.headers["WWW-Authenticate"] = 'Bearer realm="baliza"'
    return response


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(p) for p in err.get("loc", ())),
            "value": show_value(err.get("input")),
            "code": err.get("type"),
            "message": err.get("msg"),
        }
        for err in exc.errors()
    ]
    return _render(request, 422, "invalid_request", _("The request is not valid."), {"errors": errors})


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        message = _("Nothing here: check the address.")
        code = "not_found"
    elif exc.status_code == 405:
        message = _("This address does not accept that method.")
        code = "method_not_allowed"
    else:
        message, code = str(exc.detail), "http_error"
    return _render(request, exc.status_code, code, message, {})


async def unexpected_error(request: Request, exc: Exception) -> Response:
    request_id = uuid.uuid4().hex[:12]
    log.exception("unhandled_error request_id=%s path=%s", request_id, request.url.path)
    return _render(
        request,
        500,
        "internal_error",
        _("Something went wrong on our side. Quote this reference when reporting it: {request_id}").format(
            request_id=request_id
        ),
        {"request_id": request_id},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(BalizaError, baliza_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)


__all__ = ["install"]
