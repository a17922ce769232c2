"""Outputs: the Output kind, planning and making (``kinds``), feeds, sitemaps and the search index."""
