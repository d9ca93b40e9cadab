"""Per-request DataLoaders over the services' batch (`ids=`) endpoints: no N+1 downstream."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from harbour_gateway.downstream import Downstream
from harbour_kit.auth import Principal

BATCH = 100  # ids per downstream call; the directory pages at most 200 items


class Loaders:
    """Loads directory records by id, one downstream call per batch of distinct ids and language."""

    def __init__(self, downstream: Downstream, principal: Principal | None) -> None:
        self.downstream = downstream
        self.token = principal.token if principal else None
        self.locale = principal.locale if principal else "en"
        self._loaders: dict[tuple[str, str], DataLoader[str, dict[str, Any] | None]] = {}

    def services(self, locale: str | None = None) -> DataLoader[str, dict[str, Any] | None]:
        """Services by id, with text in `locale` (the caller's language by default)."""
        return self._loader("/services", locale or self.locale)

    def organizations(self, locale: str | None = None) -> DataLoader[str, dict[str, Any] | None]:
        """Organisations by id, with text in `locale` (the caller's language by default)."""
        return self._loader("/organizations", locale or self.locale)

    def _loader(self, path: str, locale: str) -> DataLoader[str, dict[str, Any] | None]:
        key = (path, locale)
        if key not in self._loaders:

            async def load(ids: list[str]) -> list[dict[str, Any] | None]:
                return await self._batch(path, ids, locale)

            self._loaders[key] = DataLoader(load_fn=load, max_batch_size=BATCH)
        return self._loaders[key]

    async def _batch(
        self, path: str, ids: Sequence[str], locale: str
    ) -> list[dict[str, Any] | None]:
        params = {"ids": ",".join(ids), "per_page": str(len(ids)), "locale": locale}
        page = await self.downstream.get("directory", path, token=self.token, params=params)
        found = {item["id"]: item for item in page["contents"]}
        return [found.get(i) for i in ids]
