"""The committed SDL that client generators read: every type, field, argument and enum value
described, and the required fields of an input non-null."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealbench.graphql.schema import sdl
from dealbench.kit.graphql.context import SchemaKind
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)

SDL_DIR = Path(__file__).resolve().parents[2] / "src" / "dealbench" / "graphql" / "sdl"
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def _committed(kind: SchemaKind) -> GraphQLSchema:
    return build_schema((SDL_DIR / f"{kind.value}.graphql").read_text())


def undescribed(schema: GraphQLSchema) -> list[str]:
    missing = []
    for name, t in schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN:
            continue
        if not t.description:
            missing.append(name)
        if isinstance(t, GraphQLObjectType | GraphQLInputObjectType | GraphQLInterfaceType):
            for field_name, f in t.fields.items():
                if not f.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(f, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(t, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in t.values.items() if not value.description]
    return missing


@pytest.mark.parametrize("kind", list(SchemaKind))
def test_the_committed_sdl_is_the_schema(kind: SchemaKind) -> None:
    assert (SDL_DIR / f"{kind.value}.graphql").read_text() == sdl(kind)


@pytest.mark.parametrize("kind", list(SchemaKind))
def test_every_type_field_argument_and_enum_value_is_described(kind: SchemaKind) -> None:
    missing = undescribed(_committed(kind))
    assert not missing, f"undescribed in {kind.value}.graphql: {missing}"


def test_the_check_finds_what_lacks_a_description() -> None:
    schema = build_schema('"""Root."""\ntype Query {\n  """Described."""\n  a(x: Int): Int\n  b: Int\n}\n')
    assert undescribed(schema) == ["Query.a(x)", "Query.b"]


REQUIRED = {
    "TicketCreateInput": {"title", "type", "state"},
    "DealCreateInput": {"name"},
    "DealNoteInput": {"title"},
    "MeetingCreateInput": {"title", "startsAt"},
    "TaskCreateInput": {"title"},
    "PhaseCreateInput": {"title"},
    "EvaluationCreateInput": {"title"},
    "InvitationCreateInput": {"inviteeEmail", "role"},
    "TicketDealInput": {"id"},
}


def test_required_input_fields_are_non_null() -> None:
    schema = _committed(SchemaKind.ORGANIZATION)
    for name, required in REQUIRED.items():
        t = schema.type_map[name]
        assert isinstance(t, GraphQLInputObjectType)
        non_null = {f for f, field in t.fields.items() if isinstance(field.type, GraphQLNonNull)}
        assert non_null == required, name
