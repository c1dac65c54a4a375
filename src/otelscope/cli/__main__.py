"""``python -m otelscope.cli``: the same as the ``otelscope`` command."""

import sys

from otelscope.cli.main import main

sys.exit(main())
