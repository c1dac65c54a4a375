"""What both AgentScope lines share: the shape of their messages and blocks."""
