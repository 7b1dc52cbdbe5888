"""Node side of `scraping`: a polite crawl (robots.txt, delay, own User-Agent) that records page facts.

Standard library only: this module's source is shipped to the node by dispy and executed there. It
keeps no page content: per page only status, type, size, title, number of links and timing.
"""

import ipaddress
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from collections import deque
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

USER_AGENT = "DispyClusterBot/0.1 (polite crawler; honours robots.txt)"
MAX_BODY = 2 * 1024 * 1024


class RefusedTargetError(ValueError):
    pass


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


# IPv6 ranges that carry an IPv4 address (RFC 6052 NAT64, its local-use /48, RFC 1933 IPv4-compatible):
# the embedded address is where a packet ends up, so it is the one judged.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
DEFAULT_PORTS = {"http": 80, "https": 443}


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside a mapped, 6to4, NAT64 or IPv4-compatible IPv6 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _IPV4_COMPATIBLE or any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        return inner is None or is_public(inner)
    return True


def _allow_entry(entry: str) -> tuple[str, int | None]:
    """`host`, `host:port`, `[v6]` or `[v6]:port` → (host, port or None)."""
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    host, colon, port = entry.rpartition(":")
    if colon and port.isdigit() and ":" not in host:
        return host, int(port)
    return entry, None


class Policy:
    """Which targets may be fetched: http(s) only; private ranges only when the operator allows them.

    An allow-list entry `host:port` allows that port; a bare `host` only the scheme's default port.
    """

    def __init__(self, context: dict) -> None:
        self.allow_private = bool(context.get("allow_private"))
        self.allow_hosts = {_allow_entry(entry) for entry in context.get("allow_hosts", [])}

    def _allowed(self, host: str, port: int | None, scheme: str) -> bool:
        default = DEFAULT_PORTS[scheme]
        effective = port or default
        return (host, effective) in self.allow_hosts or (
            effective == default and (host, None) in self.allow_hosts
        )

    def check(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise RefusedTargetError(
                f"only http and https URLs are fetched, not {parts.scheme or 'no'} scheme"
            )
        host = (parts.hostname or "").lower()
        if not host:
            raise RefusedTargetError("URL without a host")
        try:
            port = parts.port
        except ValueError:
            raise RefusedTargetError("URL with an invalid port") from None
        if self.allow_private or self._allowed(host, port, parts.scheme):
            return
        try:
            infos = socket.getaddrinfo(host, port or 80, proto=socket.IPPROTO_TCP)
        except socket.gaierror as exc:
            raise RefusedTargetError(f"cannot resolve {host}: {exc}") from None
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if not is_public(address):
                raise RefusedTargetError(
                    f"{host} resolves to {address}, a loopback/private/link-local address; "
                    "the operator must allow it (DISPYCLUSTER_SCRAPE_ALLOW_PRIVATE or the allow-list)"
                )


class CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    # The signature is urllib's.
    def redirect_request(  # noqa: PLR0917
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        self.policy.check(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class Crawler:
    def __init__(self, params: dict, context: dict) -> None:
        self.params = params
        self.policy = Policy(context)
        self.opener = urllib.request.build_opener(CheckedRedirects(self.policy))
        self.timeout = float(params.get("timeout_s") or 10.0)
        self.robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self.last_fetch = 0.0

    def fetch(self, url: str) -> tuple[int, str, bytes, str]:
        """Status, content type, body (bounded) and final URL; waits the polite delay first."""
        self.policy.check(url)
        wait = self.last_fetch + float(self.params.get("delay_s", 0.0)) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.last_fetch = time.monotonic()
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                body = response.read(MAX_BODY)
                return response.status, response.headers.get_content_type(), body, response.geturl()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get_content_type() if exc.headers else "", b"", url

    def allowed(self, url: str) -> bool:
        origin = _origin(url)
        if origin not in self.robots:
            parser = urllib.robotparser.RobotFileParser()
            try:
                status, _type, body, _url = self.fetch(origin + "/robots.txt")
            except (OSError, RefusedTargetError):
                status, body = 404, b""
            if status in (401, 403):
                parser.disallow_all = True
            elif status < 400:
                parser.parse(body.decode("utf-8", errors="replace").splitlines())
            else:
                parser.allow_all = True
            self.robots[origin] = parser
        return self.robots[origin].can_fetch(USER_AGENT, url)


def run(params: dict, context: dict, progress: Callable[..., None]) -> dict[str, Any]:
    start = params["start_url"]
    max_pages = int(params.get("max_pages", 10))
    same_origin = bool(params.get("same_origin_only", True))
    crawler = Crawler(params, context)
    crawler.policy.check(start)
    queue, seen = deque([start]), {start}
    pages: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    skipped_by_robots = 0
    while queue and len(pages) < max_pages:
        url = queue.popleft()
        if not crawler.allowed(url):
            skipped_by_robots += 1
            continue
        began = time.monotonic()
        try:
            status, content_type, body, final_url = crawler.fetch(url)
        except (OSError, RefusedTargetError) as exc:
            errors.append({"url": url, "error": f"{type(exc).__name__}: {exc}"})
            continue
        elapsed_ms = round((time.monotonic() - began) * 1000, 1)
        parser = PageParser()
        if content_type == "text/html":
            parser.feed(body.decode("utf-8", errors="replace"))
        pages.append(
            {
                "url": final_url,
                "status": status,
                "content_type": content_type,
                "bytes": len(body),
                "title": " ".join(parser.title.split())[:300],
                "links": len(parser.links),
                "elapsed_ms": elapsed_ms,
            }
        )
        for href in parser.links:
            link = urllib.parse.urldefrag(urllib.parse.urljoin(final_url, href))[0]
            if urllib.parse.urlsplit(link).scheme not in ("http", "https") or link in seen:
                continue
            if same_origin and _origin(link) != _origin(start):
                continue
            seen.add(link)
            queue.append(link)
        progress(100.0 * len(pages) / max_pages, f"{len(pages)} pages, last {final_url}")
    return {"start_url": start, "pages": pages, "errors": errors, "skipped_by_robots": skipped_by_robots}
