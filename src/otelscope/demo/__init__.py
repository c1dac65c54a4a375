"""An offline demonstration on real AgentScope agents, driven by a scripted
model (no network, no key): overlapping calls on one agent, then a small
multi-agent conversation.

Run it with ``otelscope demo`` (or ``python -m otelscope.demo``).
"""
