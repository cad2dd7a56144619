"""The e2e tier: the operator installed from its image onto a real local node (make e2e)."""
