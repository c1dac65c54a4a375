"""An offline demonstration: overlapping calls on real AgentScope agents,
driven by a scripted model (no network, no key), traced by otelscope.

Run it with ``python -m otelscope.demo``.
"""
