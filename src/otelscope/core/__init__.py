"""The span core shared by both AgentScope adapters."""
