"""``python -m wfm.cli``: the ``wfm`` command without the installed script."""

from wfm.cli import main

main()
