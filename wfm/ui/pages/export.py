"""Export page."""

from __future__ import annotations

import streamlit as st

from wfm.ui.widgets import pending, require_data


def render() -> None:
    st.title("Export")
    require_data()
    pending("The Export page")


if __name__ == "__main__":
    render()
