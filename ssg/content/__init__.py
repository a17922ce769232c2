"""Content: the archive's articles, read from content/ and collected."""
