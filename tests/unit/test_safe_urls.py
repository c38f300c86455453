"""Issue 14.4: a webhook cannot reach inside. The rule itself (workflow/notifications/safe_urls.py):
every spelling of an inside address refused, a name refused when any of its addresses is inside, the allow list by name only.

At save time over the API, at send time and off the request thread: tests/http/test_security_webhooks.py.
"""
from __future__ import annotations

import pytest

from workflow.notifications.safe_urls import UnsafeUrl, allowed_hosts, check_url

# Each refused whatever DNS says: the host is an address (in some spelling), or the URL is not one
# Jieyue may call. localhost is a name the system resolves to 127.0.0.1 (and ::1).
HOSTILE = [
    "http://127.0.0.1/", "http://127.0.0.1:8080/hook", "https://127.255.255.254/x", "http://localhost/",
    "http://localhost:5000/api/v1/me", "http://LOCALHOST./", "http://2130706433/", "http://0x7f000001/",
    "http://0x7f.1/", "http://0x7f.0x0.0x0.0x1/", "http://0177.0.0.1/", "http://017700000001/", "http://127.1/",
    "http://0/", "http://0.0.0.0/", "http://[::]/", "http://[::1]/", "http://[0:0:0:0:0:0:0:1]:8080/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::ffff:169.254.169.254]/", "http://[::127.0.0.1]/",
    "http://[2002:7f00:1::]/", "http://[64:ff9b::a9fe:a9fe]/", "http://169.254.169.254/latest/meta-data/",
    "http://169.254.0.1/", "http://[fe80::1]/", "http://[fe80::1%25eth0]/", "http://10.0.0.1/", "http://10.255.255.255/",
    "http://172.16.0.1/", "http://172.31.255.254/", "http://192.168.1.1/", "http://[fc00::1]/", "http://[fd12:3456::1]/",
    "http://100.64.0.1/", "http://100.127.255.254/", "http://224.0.0.1/", "http://239.255.255.250:1900/",
    "http://[ff02::1]/", "http://255.255.255.255/", "http://198.18.0.1/", "http://[fec0::1]/",
    "http://%31%32%37.0.0.1/", "http://127.0.0.1.nip.io/",
    # Not a URL to call at all, or one parsers read differently.
    "ftp://8.8.8.8/", "file:///etc/passwd", "gopher://8.8.8.8:70/", "javascript:alert(1)", "//8.8.8.8/x",
    "http://user:pw@8.8.8.8/", "http://8.8.8.8@127.0.0.1/", "http://8.8.8.8\\@127.0.0.1/", "http://8.8.8.8 /",
    "http://8.8.8.8/\r\nHost: 127.0.0.1", "http:///x", "http://8.8.8.8:99999/", "", "not a url",
]
# A name an attacker controls can answer with any address: a fake resolver stands for their DNS.
INSIDE_ANSWERS = [["127.0.0.1"], ["10.0.0.7"], ["169.254.169.254"], ["::1"], ["::ffff:10.0.0.1"], ["fd00::5"],
                  ["93.184.216.34", "192.168.0.10"], ["2606:4700::1", "fe80::2"], []]
PUBLIC = "93.184.216.34"


def resolver(*answers: list[str]):
    """A fake DNS: each call gives the next answer (the last one again once they run out)."""
    calls: list[str] = []

    def resolve(host, port):
        calls.append(host)
        return answers[min(len(calls), len(answers)) - 1]

    resolve.calls = calls
    return resolve


@pytest.mark.parametrize("url", HOSTILE)
def test_a_url_leading_inside_or_not_callable_is_refused(url):
    with pytest.raises(UnsafeUrl):
        check_url(url)


@pytest.mark.parametrize("answer", INSIDE_ANSWERS, ids=lambda a: ",".join(a) or "no-answer")
def test_a_name_refused_when_any_of_its_addresses_is_inside(answer):
    with pytest.raises(UnsafeUrl):
        check_url("https://robot.example.com/send", resolve=resolver(answer))


def test_a_name_that_does_not_resolve_is_refused():
    def fails(host, port):
        raise OSError("Name or service not known")

    with pytest.raises(UnsafeUrl, match="does not resolve"):
        check_url("https://robot.example.com/send", resolve=fails)


@pytest.mark.parametrize("url, answer, expected", [
    ("http://93.184.216.34/hook", None, ("http", "93.184.216.34", 80, "/hook", ("93.184.216.34",))),
    ("https://8.8.8.8:8443/robot/send?access_token=abc", None,
     ("https", "8.8.8.8", 8443, "/robot/send?access_token=abc", ("8.8.8.8",))),
    ("http://[2606:4700:4700::1111]/x", None, ("http", "2606:4700:4700::1111", 80, "/x", ("2606:4700:4700::1111",))),
    ("HTTPS://Robot.Example.COM.", [PUBLIC, "2606:4700::6810:84e5"],
     ("https", "robot.example.com", 443, "/", (PUBLIC, "2606:4700::6810:84e5"))),
])
def test_a_url_to_public_addresses_is_accepted_with_the_addresses_to_dial(url, answer, expected):
    target = check_url(url, resolve=resolver(answer) if answer else None)
    assert (target.scheme, target.host, target.port, target.path, target.addresses) == expected
    assert not target.allowed


def test_an_allow_listed_host_passes_by_name_and_nothing_else_does():
    allowed = allowed_hosts(" Robot.Office.Local. , [FD00::1], 127.0.0.1")
    assert allowed == {"robot.office.local", "fd00::1", "127.0.0.1"}
    never = resolver()  # an allowed host is not looked up at all
    for url in ("http://robot.office.local/x", "http://ROBOT.office.local.:8080/x", "http://[fd00::1]/x",
                "http://127.0.0.1:9/hook"):
        assert check_url(url, allowed, never).allowed, url
    assert never.calls == []
    for url in ("http://localhost/", "http://127.0.0.2/", "http://2130706433/", "http://[::ffff:127.0.0.1]/",
                "http://other.office.local/", "ftp://robot.office.local/", "http://u:p@robot.office.local/"):
        with pytest.raises(UnsafeUrl):
            check_url(url, allowed, resolver(["10.0.0.9"]))
