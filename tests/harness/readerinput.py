"""Hypothesis strategies for text that ZooKeeper's readers, a shell or a URL read as
something else."""

from __future__ import annotations

from hypothesis import strategies as st

# What Properties files, shells and URLs read as something else...
SPECIAL = list("\\#!=: $`\"'%?&;*~{}\u00e4\u00e9\u00ff\u0100\u2028\U0001f600")
# ...and what argv may carry that no reader takes back (a surrogate stands for
# a byte that was not UTF-8).
UNREADABLE = list("\t\n\r\x00\x7f\udc80")
special_text = st.text(
    st.one_of(st.sampled_from(SPECIAL), st.characters(codec="utf-8", exclude_categories=["Cc"])),
    max_size=16,
)
tricky_text = st.text(
    st.one_of(st.sampled_from(SPECIAL + UNREADABLE), st.characters(codec="utf-8")), max_size=16
)
numbers = st.one_of(
    st.integers(-(2**40), 2**40).map(str),
    st.sampled_from(["2147483647", "2147483648", "-2147483648", "0", "00010", "-0", "1e3"]),
    st.text("0123456789", min_size=20, max_size=5000),
    tricky_text,
)
