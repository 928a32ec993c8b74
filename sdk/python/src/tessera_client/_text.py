"""Text helpers that keep this package's parsing identical to the Node SDK's."""

from __future__ import annotations

# What JavaScript's String.prototype.trim removes. Python's str.strip() differs at the edges
# (it strips U+001C..U+001F and U+0085 but keeps U+FEFF), and the config rules must be the same
# in every SDK.
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def js_trim(text: str) -> str:
    """``text`` without leading and trailing whitespace, as JavaScript's ``trim()`` sees it."""
    return text.strip(_JS_WHITESPACE)
