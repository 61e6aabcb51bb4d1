"""Rich text: Slate node arrays <-> markdown, on markdown-it-py (CommonMark + strikethrough).

Slate has no single schema; we read the common spellings (Plate's ``p``/``h1``/``a``/``ul``/``li``/
``lic``/``code_block``/``code_line`` and slate-react examples' ``paragraph``/``heading-one``/
``link``/``bulleted-list``/``list-item``/``code-block``...) and write Plate's. Leaves are
``{"text", "bold"?, "italic"?, "code"?, "strikethrough"?}``.

Paragraphs, headings, bold, italic, inline code, links, (nested) lists, code blocks, block quotes
and thematic breaks survive a Slate -> markdown -> Slate round trip.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

Node = dict[str, Any]

_MD = MarkdownIt("commonmark").enable("strikethrough")

_HEADINGS = {
    **{f"h{i}": i for i in range(1, 7)},
    "heading-one": 1,
    "heading-two": 2,
    "heading-three": 3,
    "heading-four": 4,
    "heading-five": 5,
    "heading-six": 6,
}
_PARAGRAPH = {"p", "paragraph", "text", "lic", "list-item-content"}
_BULLETED = {"ul", "bulleted-list", "bulleted_list", "unordered-list"}
_NUMBERED = {"ol", "numbered-list", "numbered_list", "ordered-list"}
_LIST_ITEM = {"li", "list-item", "list_item"}
_CODE_BLOCK = {"code_block", "code-block", "codeblock", "code"}
_CODE_LINE = {"code_line", "code-line"}
_QUOTE = {"blockquote", "block-quote", "quote"}
_LINK = {"a", "link"}
_HR = {"hr", "thematic-break", "divider"}

_MARKS = (("code", "`"), ("bold", "**"), ("italic", "_"), ("strikethrough", "~~"))
_ESCAPE = re.compile(r"([\\`*_\[\]<>~|])")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


class SlateError(ValueError):
    """Not a Slate node array: ``path`` (relative to the array) and a message."""

    def __init__(self, path: list[str | int], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def validate_slate(nodes: list[Any]) -> None:
    """Each node is an object with ``text`` (a string) or ``children`` (an array of nodes)."""

    def walk(node: Any, path: list[str | int], depth: int) -> None:
        if depth > 64:
            raise SlateError(path, "Slate nodes are nested too deeply.")
        if not isinstance(node, dict):
            raise SlateError(path, "Expected a Slate node (an object).")
        if "text" in node:
            if not isinstance(node["text"], str):
                raise SlateError([*path, "text"], "Expected string.")
            return
        children = node.get("children")
        if not isinstance(children, list):
            raise SlateError([*path, "children"], "A Slate element needs a `children` array.")
        for i, child in enumerate(children):
            walk(child, [*path, "children", i], depth + 1)

    for i, node in enumerate(nodes):
        walk(node, [i], 0)


# --------------------------------------------------------------------------- Slate -> markdown


def _escape(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


def _leaf(node: Node) -> str:
    text = node.get("text", "")
    if not text:
        return ""
    if node.get("code"):
        ticks = "``" if "`" in text else "`"
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        body = f"{ticks}{pad}{text}{pad}{ticks}"
    else:
        body = _escape(text).replace("\n", "\\\n")
    marks = [m for name, m in _MARKS[1:] if node.get(name)]
    if not marks:
        return body
    # emphasis cannot start or end with whitespace: keep it outside the markers
    core = body.strip(" ")
    if not core:
        return body
    lead = body[: len(body) - len(body.lstrip(" "))]
    trail = body[len(body.rstrip(" ")) :]
    opening = "".join(marks)
    closing = "".join(reversed(marks))
    return f"{lead}{opening}{core}{closing}{trail}"


def _inline(children: list[Any]) -> str:
    out: list[str] = []
    for child in children:
        if not isinstance(child, dict):
            continue
        if "text" in child:
            out.append(_leaf(child))
        elif child.get("type") in _LINK:
            url = str(child.get("url") or child.get("href") or "")
            label = _inline(child.get("children") or [])
            dest = f"<{url}>" if (" " in url or ")" in url or "(" in url) else url
            out.append(f"[{label}]({dest})")
        else:
            out.append(_inline(child.get("children") or []))
    return "".join(out)


def _plain(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    if "text" in node:
        return str(node.get("text") or "")
    return "".join(_plain(c) for c in node.get("children") or [])


def _block(node: Node, indent: str = "") -> list[str]:
    kind = node.get("type")
    children = node.get("children") or []
    if kind in _HEADINGS:
        return [indent + "#" * _HEADINGS[kind] + " " + _inline(children).strip()]
    if kind in _CODE_BLOCK:
        if children and all(isinstance(c, dict) and "text" not in c for c in children):
            text = "\n".join(_plain(c) for c in children)
        else:
            text = _plain(node)
        fence = "````" if "```" in text else "```"
        lang = str(node.get("lang") or node.get("language") or "")
        return [indent + fence + lang, *[indent + line for line in text.split("\n")], indent + fence]
    if kind in _BULLETED or kind in _NUMBERED:
        return _list(node, indent)
    if kind in _QUOTE:
        inner = _blocks(_as_blocks(children))
        return [indent + ("> " + line if line else ">") for line in inner.split("\n")]
    if kind in _HR:
        return [indent + "---"]
    if kind in _LIST_ITEM:
        return _block({"type": "ul", "children": [node]}, indent)
    text = _inline(children)
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text, count=1)
    return [indent + line for line in text.split("\n")]


def _as_blocks(children: list[Any]) -> list[Node]:
    """Inline children directly inside a block container become one paragraph."""
    if children and all(isinstance(c, dict) and ("text" in c or c.get("type") in _LINK) for c in children):
        return [{"type": "p", "children": children}]
    return [c for c in children if isinstance(c, dict)]


def _list(node: Node, indent: str) -> list[str]:
    numbered = node.get("type") in _NUMBERED
    raw_start = node.get("start")
    start: int = raw_start if isinstance(raw_start, int) else 1
    lines: list[str] = []
    for n, item in enumerate(c for c in node.get("children") or [] if isinstance(c, dict)):
        marker = f"{start + n}. " if numbered else "- "
        pad = indent + " " * len(marker)
        blocks = _as_blocks(item.get("children") or []) if item.get("type") in _LIST_ITEM else [item]
        first = True
        for block in blocks:
            block_lines = _block(block, pad)
            if first:
                block_lines[0] = indent + marker + block_lines[0][len(pad) :]
                first = False
            lines.extend(block_lines)
        if first:
            lines.append(indent + marker.rstrip())
    return lines


def _blocks(nodes: list[Node]) -> str:
    parts = ["\n".join(_block(n)) for n in nodes]
    return "\n\n".join(parts)


def slate_to_markdown(nodes: list[Any]) -> str:
    """A Slate node array as markdown (CommonMark)."""
    return _blocks(_as_blocks(nodes))


# --------------------------------------------------------------------------- markdown -> Slate


def _merge(leaves: list[Node]) -> list[Node]:
    out: list[Node] = []
    for leaf in leaves:
        if "text" in leaf and not leaf["text"]:
            continue
        if (
            out
            and "text" in leaf
            and "text" in out[-1]
            and {k: v for k, v in leaf.items() if k != "text"}
            == {k: v for k, v in out[-1].items() if k != "text"}
        ):
            out[-1] = {**out[-1], "text": out[-1]["text"] + leaf["text"]}
        else:
            out.append(leaf)
    return out or [{"text": ""}]


def _inline_nodes(tokens: list[Token]) -> list[Node]:
    marks: dict[str, bool] = {}
    stack: list[tuple[Node, list[Node]]] = []
    current: list[Node] = []

    def leaf(text: str, **extra: bool) -> None:
        current.append({"text": text, **{k: True for k, v in marks.items() if v}, **extra})

    for tok in tokens:
        t = tok.type
        if t == "text":
            leaf(tok.content)
        elif t == "code_inline":
            leaf(tok.content, code=True)
        elif t == "softbreak" or t == "hardbreak":
            leaf("\n")
        elif t in {"strong_open", "em_open", "s_open"}:
            marks[{"strong_open": "bold", "em_open": "italic", "s_open": "strikethrough"}[t]] = True
        elif t in {"strong_close", "em_close", "s_close"}:
            marks[{"strong_close": "bold", "em_close": "italic", "s_close": "strikethrough"}[t]] = False
        elif t == "link_open":
            link: Node = {"type": "a", "url": str(tok.attrs.get("href", "")), "children": []}
            stack.append((link, current))
            current = link["children"]
        elif t == "link_close" and stack:
            link, parent = stack.pop()
            link["children"] = _merge(current)
            parent.append(link)
            current = parent
        elif t in {"html_inline", "image"}:
            leaf(tok.content)
    return _merge(current)


def _block_nodes(tokens: list[Token], pos: int, end_type: str | None) -> tuple[list[Node], int]:
    nodes: list[Node] = []
    while pos < len(tokens):
        tok = tokens[pos]
        t = tok.type
        if end_type is not None and t == end_type:
            return nodes, pos + 1
        if t == "paragraph_open":
            inline = tokens[pos + 1]
            kind = "lic" if end_type == "list_item_close" and tok.hidden else "p"
            nodes.append({"type": kind, "children": _inline_nodes(inline.children or [])})
            pos += 3
        elif t == "heading_open":
            inline = tokens[pos + 1]
            nodes.append({"type": tok.tag, "children": _inline_nodes(inline.children or [])})
            pos += 3
        elif t in {"fence", "code_block"}:
            text = tok.content[:-1] if tok.content.endswith("\n") else tok.content
            node: Node = {
                "type": "code_block",
                "children": [
                    {"type": "code_line", "children": [{"text": line}]} for line in text.split("\n")
                ],
            }
            if tok.info.strip():
                node["lang"] = tok.info.strip()
            nodes.append(node)
            pos += 1
        elif t in {"bullet_list_open", "ordered_list_open"}:
            close = t.replace("_open", "_close")
            items, pos = _block_nodes(tokens, pos + 1, close)
            lst: Node = {"type": "ul" if t == "bullet_list_open" else "ol", "children": items}
            start = tok.attrs.get("start")
            if start is not None and int(start) != 1:
                lst["start"] = int(start)
            nodes.append(lst)
        elif t == "list_item_open":
            children, pos = _block_nodes(tokens, pos + 1, "list_item_close")
            nodes.append(
                {"type": "li", "children": children or [{"type": "lic", "children": [{"text": ""}]}]}
            )
        elif t == "blockquote_open":
            children, pos = _block_nodes(tokens, pos + 1, "blockquote_close")
            nodes.append({"type": "blockquote", "children": children})
        elif t == "hr":
            nodes.append({"type": "hr", "children": [{"text": ""}]})
            pos += 1
        elif t == "html_block":
            nodes.append({"type": "p", "children": [{"text": tok.content.rstrip("\n")}]})
            pos += 1
        else:
            pos += 1
    return nodes, pos


def markdown_to_slate(markdown: str) -> list[Node]:
    """Markdown as a Slate node array (Plate's element names)."""
    nodes, _ = _block_nodes(_MD.parse(markdown), 0, None)
    return nodes or [{"type": "p", "children": [{"text": ""}]}]


def to_markdown(value: str | list[Any] | None) -> str | None:
    """A description as stored: Slate converted to markdown, markdown kept as given."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return slate_to_markdown(value)
