"""Metrics: plain functions ``(connection, scope) -> polars.DataFrame``, each
registered with its bilingual definition. Reads the store; never writes it;
never imports streamlit or plotly."""
