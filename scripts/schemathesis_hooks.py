"""Schemathesis hooks for the bundled contracts (loaded through SCHEMATHESIS_HOOKS).

Rebilly's `allowedIps` items use `format: ip`: an IP address or CIDR range outside private
networks. JSON Schema does not define that format, so without this strategy Schemathesis
generates arbitrary strings as "valid" data. This teaches it the format; it changes no check.
"""
import schemathesis
from hypothesis import strategies as st

_public_v4 = st.tuples(
    st.sampled_from([8, 23, 45, 51, 93, 151, 198, 203]),
    st.integers(0, 255), st.integers(0, 255), st.integers(1, 254),
).map(lambda p: ".".join(map(str, p)))

_ip = st.one_of(
    _public_v4,
    st.tuples(_public_v4, st.integers(16, 32)).map(lambda p: f"{p[0]}/{p[1]}"),
    st.integers(1, 0xFFFF).map(lambda n: f"2001:db8::{n:x}"),
)

schemathesis.openapi.format("ip", _ip)
