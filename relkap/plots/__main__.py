"""``python -m relkap.plots --gallery FOLDER``: see :func:`relkap.plots.gallery.main`."""

from .gallery import main

raise SystemExit(main())
