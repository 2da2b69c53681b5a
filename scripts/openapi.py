"""Print the OpenAPI document the app serves at /openapi.json, with no server running."""

from __future__ import annotations

import json
import sys

from entrypoints.app import create_app
from entrypoints.container import Container
from entrypoints.settings import Settings


def document() -> str:
    container = Container()
    # Settings of its own: the document does not depend on the environment.
    container.settings.override(Settings(database_url="memory://", _env_file=None))
    return json.dumps(create_app(container).openapi(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(document())
