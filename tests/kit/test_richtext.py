from __future__ import annotations

from typing import Any

import pytest

from dealbench.kit.richtext import markdown_to_slate, slate_to_markdown


def p(*children: Any) -> dict[str, Any]:
    return {"type": "p", "children": list(children)}


def li(*children: Any) -> dict[str, Any]:
    return {"type": "li", "children": [{"type": "lic", "children": list(children)}]}


DOCS = {
    "paragraphs": [p({"text": "one"}), p({"text": "two, with 2*3_4 [x] <y>"})],
    "headings": [{"type": f"h{i}", "children": [{"text": f"Heading {i}"}]} for i in range(1, 7)],
    "marks": [
        p(
            {"text": "plain "},
            {"text": "bold", "bold": True},
            {"text": " "},
            {"text": "italic", "italic": True},
            {"text": " "},
            {"text": "both", "bold": True, "italic": True},
            {"text": " "},
            {"text": "x = `1`", "code": True},
        )
    ],
    "links": [
        p(
            {"text": "see "},
            {"type": "a", "url": "https://example.com/a_b?q=1", "children": [{"text": "the docs"}]},
        )
    ],
    "lists": [
        {"type": "ul", "children": [li({"text": "one"}), li({"text": "two", "bold": True})]},
        {"type": "ol", "children": [li({"text": "first"}), li({"text": "second"})]},
    ],
    "nested": [
        {
            "type": "ul",
            "children": [
                {
                    "type": "li",
                    "children": [
                        {"type": "lic", "children": [{"text": "outer"}]},
                        {"type": "ol", "children": [li({"text": "inner"})]},
                    ],
                }
            ],
        }
    ],
    "code blocks": [
        {
            "type": "code_block",
            "lang": "python",
            "children": [
                {"type": "code_line", "children": [{"text": "def f():"}]},
                {"type": "code_line", "children": [{"text": "    return '**not bold**'"}]},
            ],
        }
    ],
    "quote and rule": [
        {"type": "blockquote", "children": [p({"text": "quoted"})]},
        {"type": "hr", "children": [{"text": ""}]},
        p({"text": "# not a heading"}),
    ],
}


@pytest.mark.parametrize("name", list(DOCS))
def test_slate_markdown_slate_round_trip(name: str) -> None:
    doc = DOCS[name]
    assert markdown_to_slate(slate_to_markdown(doc)) == doc


def test_markdown_rendering() -> None:
    md = slate_to_markdown(DOCS["marks"] + DOCS["links"] + DOCS["lists"])
    assert "**bold**" in md and "_italic_" in md and "`` x = `1` ``" in md
    assert "[the docs](https://example.com/a_b?q=1)" in md
    assert "- one\n- **two**" in md and "1. first\n2. second" in md


def test_other_slate_spellings_are_read() -> None:
    doc = [
        {"type": "heading-two", "children": [{"text": "T"}]},
        {
            "type": "paragraph",
            "children": [{"type": "link", "url": "https://x.io", "children": [{"text": "x"}]}],
        },
        {"type": "bulleted-list", "children": [{"type": "list-item", "children": [{"text": "a"}]}]},
        {"type": "code-block", "children": [{"text": "x\ny"}]},
    ]
    assert slate_to_markdown(doc) == "## T\n\n[x](https://x.io)\n\n- a\n\n```\nx\ny\n```"
