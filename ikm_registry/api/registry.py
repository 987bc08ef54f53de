"""The endpoints apps add to the API: each registers an `ApiRoute` in its `AppConfig.ready()`.

    api_routes.register(ApiRoute(name="usaha", prefix="usaha", viewset=BusinessPublicViewSet))
    api_routes.register(ApiRoute(name="staf-usaha", prefix="staf/usaha", viewset=BusinessStaffViewSet))

`prefix` is the path under /api/v1/ (part of the public interface: keep it stable); `basename` defaults to the name.
Staff endpoints live under `staf/` (robots.txt keeps crawlers out; every one needs a token)."""

from dataclasses import dataclass

from ikm_registry.registry import Contribution, Registry


@dataclass(frozen=True, kw_only=True)
class ApiRoute(Contribution):
    prefix: str
    viewset: type
    basename: str = ""


api_routes: Registry[ApiRoute] = Registry("API routes")
