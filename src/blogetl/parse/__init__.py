"""Parse: pure parsing, text in, records out; no I/O.

``parser`` (the entry point: ``parse_bytes``, ``parse_text``; the blog platform), ``pages``
(other sites' headlines, listings, teasers), ``lines``, ``dates``, ``patterns``,
``identity`` (which sightings are one post) and ``sites/`` (site knowledge as data: one
module per family of pages, with its known sites and their outlets).
"""
