"""Clients for language-model servers: the optional LLM importance scorer and summarizer use them.

Standard library only: no SDK to install, any OpenAI-compatible endpoint (llama.cpp, Ollama, vLLM...) works.
"""
