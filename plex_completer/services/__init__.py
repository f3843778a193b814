"""Orchestration of the product's workflows (no HTTP in here): generate, rescan, edit."""
