"""wfm planner: ``streamlit run app.py``.

The entry point only starts the app; the pages live in :mod:`wfm.ui`.
"""

from wfm.ui.main import main

main()
