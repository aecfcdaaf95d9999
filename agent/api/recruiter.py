"""The recruiter page (``GET /recruiter``): report list with filters, the HTML report and the
review form. The page itself carries no data; every request it makes sends the recruiter's
API key, which it keeps in sessionStorage."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from agent.api.webrtc import STATIC_DIR

#: Only our own scripts and styles; the report opens in a sandboxed frame (srcdoc) whose own
#: inline style this allows; nothing may frame the page (clickjacking a review).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def recruiter_router() -> APIRouter:
    """``GET /recruiter``."""
    router = APIRouter()

    @router.get("/recruiter", include_in_schema=False)
    async def recruiter_page() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "recruiter.html",
            media_type="text/html",
            headers={
                "Cache-Control": "no-cache",
                "Content-Security-Policy": CSP,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )

    return router
