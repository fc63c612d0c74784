"""SANDBOX payment rails: simulated e-wallets, banks and mobile money. Never real money."""
