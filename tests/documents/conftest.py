"""Fixtures of the documents tests: both storage backends (local files and an S3-compatible server
run as its own process: moto's standalone server), and helpers to make projects and upload."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dealbench.kit.services import Services
from dealbench.kit.storage import LocalStorage, S3Storage, Storage
from dealbench.settings import Settings
from tests.conftest import make_s3_storage_settings


def make_s3_storage(endpoint: str) -> S3Storage:
    settings = Settings(secret_key="x", **make_s3_storage_settings(endpoint))
    return S3Storage(settings.storage_url, settings)


@pytest.fixture(params=["file", "s3"])
def storage(request: Any, services: Services, tmp_path: Path) -> Iterator[Storage]:
    """Each test using it runs on local files and on S3 (the app's storage is swapped for the test)."""
    backend: Storage
    if request.param == "file":
        backend = LocalStorage(tmp_path / "files")
    else:
        backend = make_s3_storage(request.getfixturevalue("s3_endpoint"))
    previous = services.extras.get("storage")
    services.extras["storage"] = backend
    try:
        yield backend
    finally:
        if previous is None:
            services.extras.pop("storage", None)
        else:
            services.extras["storage"] = previous


class Docs:
    """Small helpers over the API, for one tenant's token."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def as_(self, token: str) -> Docs:
        return Docs(self.client, {"X-API-Key": token})

    async def project(self, **body: Any) -> dict[str, Any]:
        body.setdefault("name", f"Project {uuid.uuid4().hex[:6]}")
        r = await self.client.post("/v1/projects", json=body, headers=self.headers)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def folder(self, project_id: int, name: str, parent_id: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if parent_id is not None:
            body["parentId"] = parent_id
        r = await self.client.post(f"/v1/projects/{project_id}/folders", json=body, headers=self.headers)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def upload_raw(
        self,
        project_id: int,
        content: bytes = b"hello",
        filename: str = "hello.txt",
        *,
        content_type: str = "text/plain",
        data: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self.client.post(
            f"/v1/projects/{project_id}/documents",
            files={"file": (filename, content, content_type)},
            data=data or {},
            params=params or {},
            headers=self.headers,
        )

    async def upload(
        self,
        project_id: int,
        content: bytes = b"hello",
        filename: str = "hello.txt",
        **kw: Any,
    ) -> dict[str, Any]:
        r = await self.upload_raw(project_id, content, filename, **kw)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]


@pytest.fixture
async def docs(client: httpx.AsyncClient, factory: Any) -> AsyncIterator[Docs]:
    tenant = await factory.tenant()
    d = Docs(client, tenant.headers)
    d.tenant = tenant  # type: ignore[attr-defined]
    yield d


async def stored_keys(storage: Storage) -> list[str]:
    """Every object of a backend (blobs and temporary objects), for 'nothing left behind' checks
    (the lock that marks the process's own temporary folder is not an object)."""
    if isinstance(storage, LocalStorage):
        return sorted(
            str(p.relative_to(storage.root))
            for p in storage.root.rglob("*")
            if p.is_file() and not (p.parent.name == "tmp" and p.name.endswith(".lock"))
        )
    import obstore

    assert isinstance(storage, S3Storage)
    keys: list[str] = []
    async for batch in obstore.list(storage.store):
        keys.extend(meta["path"] for meta in batch)
    return sorted(keys)
