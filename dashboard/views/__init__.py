"""Dashboard pages (run by st.navigation; the folder is not named pages/ on purpose): each module's ``render()`` composes filters, metric frames and charts."""
