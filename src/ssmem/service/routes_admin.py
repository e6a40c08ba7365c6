"""`/v1/admin`: create tenants and API keys (needs the admin key; disabled without one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import HTTPAuthorizationCredentials

from ssmem.service.deps import Svc, bearer
from ssmem.service.errors import check_text
from ssmem.service.routes_sessions import ERRORS
from ssmem.service.schemas import TenantCreate, TenantKey

router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=ERRORS)


@router.post("/tenants", status_code=201, response_model=TenantKey)
def create_tenant(
    body: TenantCreate,
    svc: Svc,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> TenantKey:
    """Create a tenant (or add a key to an existing one); the key is shown only here."""
    svc.tenants.check_admin(creds.credentials if creds else None)
    check_text(body.name, "name")
    _, key = svc.tenants.create(body.name)
    return TenantKey(tenant=body.name, api_key=key)
