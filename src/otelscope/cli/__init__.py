"""The ``otelscope`` command line.

- ``main``: arguments and dispatch; ``terminal``: messages and colour.
- ``run_command`` (the parent), ``bootstrap/sitecustomize.py`` and ``child``
  (inside the program and every Python process it starts): ``otelscope run``;
  ``agentscope_on_import`` and ``mcp_server_on_import``: the instrumentation,
  installed when the program first imports them; ``service_name``: each
  process's default service name; ``mcp_stdio``: the run's variables in the
  environment of MCP servers started over stdio.
- ``export_plan``: where telemetry goes, from the standard variables;
  ``pipeline``: the SDK providers for it.
- ``span_counts``, ``run_report`` and ``summary``: what a run produced and
  where it went, reported by each process and said at exit.
- ``demo_command`` and ``show_command``: ``otelscope demo`` and ``otelscope show``.
"""
