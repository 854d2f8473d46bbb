"""Sources: finding, reading and decoding dumps (the first stage of a run).

``files`` finds dump files under raw/ and reads their bytes, ``scan`` hashes them and plans
which are new or changed, ``decode`` turns bytes into text (encodings, HTML, mojibake).
The only file access of parsing is here; ``blogetl.parse`` does none.
"""
