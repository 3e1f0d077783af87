from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict:
    """The process answers."""
    return {"status": "ok"}


@router.get("/ready")
def ready(request: Request) -> JSONResponse:
    """Ready when the matcher's index is loaded."""
    state = request.app.state.matcher
    m = state.get()
    if m is None:
        return JSONResponse({"ready": False, "reason": state.error or "loading"}, status_code=503)
    return JSONResponse({"ready": True, "model_version": m.model_version})
