"""Renderers: pure functions from a Result (or an Inventory) to text."""
