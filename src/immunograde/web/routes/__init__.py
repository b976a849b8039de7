"""Route modules: pages (HTML + JSON twins), the REST API and the workbench."""
