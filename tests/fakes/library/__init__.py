"""Realistic test libraries built from ../shared/data (small, full, scaled), with ground truth."""
