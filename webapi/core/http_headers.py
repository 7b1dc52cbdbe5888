"""The security headers every answer carries (pages, assets, API answers and errors)."""

from __future__ import annotations

# Scripts only from the service itself: no inline script, no eval. Plotly sets inline styles on the
# SVG it draws, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

# Over HTTPS only (RFC 6797 has browsers ignore it on plain HTTP): a year, this host only.
HSTS_HEADER = ("Strict-Transport-Security", "max-age=31536000")

ASSET_HEADERS = {"X-Content-Type-Options": "nosniff"}
PAGE_HEADERS = {
    **ASSET_HEADERS,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
