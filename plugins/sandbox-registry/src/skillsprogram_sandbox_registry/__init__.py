"""SANDBOX civil registry: simulated identity verification. Checks no real person."""
