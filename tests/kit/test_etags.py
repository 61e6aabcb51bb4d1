"""Entity-tag lists of If-Match / If-None-Match (RFC 9110 §13.1): weak and strong comparison."""

from __future__ import annotations

from dealbench.kit.etags import etag_of, matches_strongly, matches_weakly

TAG = etag_of(b'{"id":1}')


def test_an_etag_is_a_quoted_base64url_digest() -> None:
    assert TAG.startswith('"') and TAG.endswith('"') and len(TAG) == 24
    assert etag_of(b'{"id":1}') == TAG and etag_of(b'{"id":2}') != TAG


def test_if_none_match_compares_weakly() -> None:
    assert matches_weakly(TAG, TAG)
    assert matches_weakly(f"W/{TAG}", TAG)
    assert matches_weakly(f'"a", W/"b,c" , {TAG}', TAG)
    assert matches_weakly("*", TAG) and matches_weakly(" * ", TAG)
    assert not matches_weakly('"a", W/"b"', TAG)
    assert not matches_weakly(TAG.strip('"'), TAG)  # unquoted: not the tag
    assert not matches_weakly("", TAG)


def test_if_match_compares_strongly() -> None:
    assert matches_strongly(TAG, TAG)
    assert matches_strongly(f'"a",{TAG}', TAG)
    assert matches_strongly("*", TAG)
    assert not matches_strongly(f"W/{TAG}", TAG)
    assert not matches_strongly('"a"', TAG)
    assert not matches_strongly(f'"{TAG}', TAG)  # broken quoting names nothing
