"""Logging in and out of the web pages (the API uses bearer tokens instead)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from baliza.accounts import service as account_service
from baliza.core.clock import utcnow
from baliza.core.errors import TooManyRequestsError
from baliza.core.i18n import _
from baliza.web.auth import SESSION_COOKIE, UserDep, current_principal
from baliza.web.deps import SessionDep

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only local paths: a login link must not send people to another site."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _page(
    request: Request, *, error: str | None = None, username: str = "", status: int = 200, next_url: str | None = None
) -> HTMLResponse:
    template = request.app.state.templates.get_template("login.html")
    return HTMLResponse(
        template.render(
            request=request,
            error=error,
            username=username,
            next=safe_next(next_url if next_url is not None else request.query_params.get("next")),
            principal=None,
        ),
        status_code=status,
    )


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, session: SessionDep) -> Response:
    if await current_principal(request, session) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return _page(request)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    now = utcnow()
    address = request.client.host if request.client else None
    failures = await account_service.recent_failures(db_session=session, username=username, address=address, now=now)
    if failures >= account_service.LOGIN_MAX_FAILURES:
        raise TooManyRequestsError(
            _("Too many failed logins; wait {minutes} minutes and try again.").format(
                minutes=int(account_service.LOGIN_WINDOW.total_seconds() // 60)
            ),
            retry_after=int(account_service.LOGIN_WINDOW.total_seconds()),
        )
    user = await account_service.get_by_username(db_session=session, username=username)
    if user is None or not user.is_active or not account_service.verify_password(user.password_hash, password):
        await account_service.record_failure(db_session=session, username=username, address=address, now=now)
        await session.commit()
        return _page(request, error=_("Wrong username or password."), username=username, status=401, next_url=next)
    await account_service.clear_failures(db_session=session, username=username)
    new = await account_service.start_session(db_session=session, user=user, now=now)
    await session.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE,
        new.cookie,
        max_age=account_service.SESSION_DAYS * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    if user.lang:
        response.set_cookie("baliza_lang", user.lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


@router.post("/logout")
async def logout(request: Request, session: SessionDep, _principal: UserDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await account_service.end_session(db_session=session, cookie=cookie)
        await session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


__all__ = ["router", "safe_next"]
