"""Serve: ``ssg serve``, its preview builds in a process of their own."""
