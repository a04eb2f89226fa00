"""The Streamlit app of wfm: one module per page, shared state, plotly figure builders.

Only this package and ``app.py`` import Streamlit.  Pages call the pipeline functions
(:mod:`wfm.io`, :mod:`forecasting`, :mod:`wfm.staffing`, :mod:`solver`,
:mod:`wfm.evaluate`, :mod:`wfm.scenarios` ...) and show what they return; they hold
no business logic.  :mod:`wfm.ui.charts` builds plotly figures from frames and does not
import Streamlit, so it is testable on its own.
"""
