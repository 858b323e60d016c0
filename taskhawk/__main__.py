"""`python -m taskhawk ...`, the same as the `taskhawk` command."""

from __future__ import annotations

import sys

from taskhawk.cli.main import main

sys.exit(main())
