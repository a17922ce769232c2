"""Image handling for the build: responsive variants, thumbnails and share cards.

``ssg.images.process`` probes and converts article images (``probe``, ``process``,
``check_svg``); ``ssg.images.card`` draws the text share card used when an article has no
image of its own (``render_card``). Both depend only on Pillow and the fonts shipped in
``themes/default/fonts``.
"""
