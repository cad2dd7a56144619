"""The whole local stack (control plane, emulator, operator) for the demo."""
