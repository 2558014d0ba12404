from __future__ import annotations

from audiopaper.cli import main

main()
