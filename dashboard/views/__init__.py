"""Dashboard pages (run by st.navigation; the folder is not named pages/ on purpose): each module's ``render()``
composes panels of metric frames and charts."""
