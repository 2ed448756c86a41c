"""``python -m deconv_tutor restore INPUT OUTPUT --task ...``: see :mod:`deconv_tutor.cli`."""

import sys

from deconv_tutor.cli import main

if __name__ == "__main__":
    sys.exit(main())
