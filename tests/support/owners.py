"""The accounts that own what the tests create, below the HTTP layer.

Stores are reset with both accounts in place (see `support.databases`), so the
SQL foreign keys hold; `OTHER` is the account that must never see `OWNER`'s data.
"""

from __future__ import annotations

from typing import Final

OWNER: Final = 1
OTHER: Final = 2
ACCOUNTS: Final = (OWNER, OTHER)
