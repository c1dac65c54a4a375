"""The directory ``otelscope run`` puts first on the program's ``PYTHONPATH``.

Python imports ``sitecustomize`` from it at startup, before the program's
first line, which is how otelscope is active from the first import without a
change to the program. This ``__init__`` only makes the directory part of the
installed package; nothing imports it as a package.
"""
