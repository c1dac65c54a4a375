"""Captured content as terminal lines: titled, indented, wrapped, shortened.

``otelscope show --content`` prints these lines under each span. A section
holding one plain value (a tool's arguments, a short system prompt) stays on
its title's line; otherwise each message is its role, then its parts indented
below it. A part is wrapped to the width given, its continuation lines two
columns deeper so that consecutive parts stay apart, and cut after
`MAX_LINES` lines with a marker saying how many characters were left out.

Content is untrusted: control characters (a terminal's escape sequences
among them) and bidirectional overrides are printed escaped (``\\x1b``), so
no value can restyle, move or rewrite what the terminal shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Final

from otelscope.viewer.content import Part, Section

MAX_LINES: Final = 8
# Narrower than this, wrapped text is harder to read than lines running on.
MIN_WIDTH: Final = 40
_HANGING: Final = "  "
_MESSAGE_INDENT: Final = "  "
_PART_INDENT: Final = "    "

Style = Callable[[str], str]
# What a section or message with nothing in it shows.
_NOTHING: Final = Part("empty", "", "(none)")
_NO_PARTS: Final = Part("empty", "", "(no parts)")


def _unstyled(text: str) -> str:
    return text


def content_lines(
    sections: Sequence[Section],
    width: int,
    *,
    title: Style = _unstyled,
    role: Style = _unstyled,
) -> list[str]:
    """The lines of ``sections``, none longer than ``width`` (or `MIN_WIDTH`);
    ``title`` and ``role`` style section titles and roles."""
    width = max(width, MIN_WIDTH)
    lines: list[str] = []
    for section in sections:
        lines.extend(_section_lines(section, width, title, role))
    return lines


def _section_lines(section: Section, width: int, title: Style, role: Style) -> Iterator[str]:
    heading = f"{section.title}:"
    only = _only_part(section)
    if only is None and all(m.role is None and not m.parts for m in section.messages):
        only = _NOTHING  # an empty list: say so, rather than print a bare title
    if only is not None:
        first, *rest = _part_lines(only, width, used=len(heading) + 1)
        yield f"{title(heading)} {first}"
        yield from rest
        return
    yield title(heading)
    for message in section.messages:
        if message.role is None:
            yield from _indented(message.parts, _MESSAGE_INDENT, width)
        elif len(message.parts) == 1:
            # One part: on its role's line, as a chat transcript reads.
            head = printable(message.role) + ":"
            # Laid out for the part indent, whose continuation lines it shares;
            # the first line starts after the role instead.
            start = len(_MESSAGE_INDENT) + len(head) + 1 - len(_PART_INDENT)
            first, *rest = _part_lines(message.parts[0], width - len(_PART_INDENT), used=start)
            yield f"{_MESSAGE_INDENT}{role(head)} {first}"
            yield from (_PART_INDENT + line for line in rest)
        else:
            yield _MESSAGE_INDENT + role(printable(message.role) + ":")
            yield from _indented(message.parts or (_NO_PARTS,), _PART_INDENT, width)


def _only_part(section: Section) -> Part | None:
    """The section's one part, when it is all the section holds and belongs to no role."""
    if len(section.messages) != 1:
        return None
    message = section.messages[0]
    return message.parts[0] if message.role is None and len(message.parts) == 1 else None


def _indented(parts: Iterable[Part], indent: str, width: int) -> Iterator[str]:
    for part in parts:
        for line in _part_lines(part, width - len(indent)):
            yield indent + line


def _part_lines(part: Part, width: int, *, used: int = 0) -> list[str]:
    """The part's lines; the first starts ``used`` columns in."""
    if part.label and part.text:
        text = f"{part.label}: {part.text}"
    else:
        text = part.label or part.text or "(empty)"
    lines, hidden = wrap(printable(text), width - used, width - len(_HANGING))
    shown = [lines[0], *(_HANGING + line for line in lines[1:])]
    if hidden:
        shown.append(f"{_HANGING}… [{hidden:,} more characters]")
    return shown


def wrap(text: str, first_width: int, width: int) -> tuple[list[str], int]:
    """``text`` in lines of at most ``width`` characters (the first line
    ``first_width``), broken after its own newlines and at spaces where it has
    them, at most `MAX_LINES` of them; and how many characters did not fit."""
    lines: list[str] = []
    start, end_of_text = 0, len(text)
    while start < end_of_text and len(lines) < MAX_LINES:
        limit = max(1, first_width if not lines else width)
        end = min(end_of_text, start + limit)
        newline = text.find("\n", start, end)
        if newline != -1:
            lines.append(text[start:newline])
            start = newline + 1
        elif end == end_of_text:
            lines.append(text[start:])
            start = end_of_text
        elif text[end] in " \n":
            # The line fills the width exactly and a break follows.
            lines.append(text[start:end])
            start = end + 1
        else:
            space = text.rfind(" ", start + 1, end)
            cut = end if space == -1 else space
            lines.append(text[start:cut])
            start = cut if space == -1 else space + 1
    rest = text[start:]
    return lines or [""], len(rest) if rest.strip() else 0


def _escapes() -> dict[int, str]:
    controls = [*range(0x00, 0x20), *range(0x7F, 0xA0)]
    table = {code: f"\\x{code:02x}" for code in controls if code != 0x0A}
    table[0x09] = "    "
    # Bidirectional marks and overrides reorder what follows; line and
    # paragraph separators break lines the wrapping cannot see.
    others = (0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    table.update({code: f"\\u{code:04x}" for code in others})
    return table


_ESCAPES: Final = _escapes()


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: controls shown escaped, tabs as spaces."""
    return text.replace("\r\n", "\n").translate(_ESCAPES)
