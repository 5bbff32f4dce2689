"""The narrative of a disclosure, computed from a Budget and its TableSet."""
