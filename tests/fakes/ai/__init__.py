"""Gemini and Ollama protocol emulators, and the LLM-style answers they serve."""
