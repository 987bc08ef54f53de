"""The registry's API (/api/v1/): public reads and the staff API, on Django REST framework.

The core holds what every endpoint shares — token authentication (`authentication`, `tokens`), keyset pagination
(`pagination`), conditional GET for public reads (`conditional`), throttling, errors, permissions — and the route
registry (`registry.api_routes`) through which each app adds its endpoints in `AppConfig.ready()` (the core never
names an app). `urls` builds the router, the OpenAPI schema (/api/schema/) and the docs (/api/).
"""
