"""The model-backed assessment behind :mod:`dialogue.scoring`: anchors, guards and quotes.

Pure like the rest of ``dialogue/``: the embedding model comes in as an
:data:`dialogue.embedding.Embed` parameter.
"""
