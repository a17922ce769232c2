"""Render: template views, Markdown, metadata, the theme."""
