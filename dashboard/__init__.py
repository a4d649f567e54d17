"""Pulso's Streamlit dashboard: renders metric frames; never writes the store."""
