"""WordPress import and export: WXR files in and out of a workspace (see importer, exporter, wxr)."""
