"""`python -m api.cli …`: the same as the `sipas` command."""

import sys

from api.cli import main

sys.exit(main())
