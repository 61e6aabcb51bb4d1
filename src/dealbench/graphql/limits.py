"""Limits on a GraphQL document, checked before anything runs, each with a clear error.

Every step before execution is bounded by the size of the document, whoever sends it:

- size: at most ``MAX_DOCUMENT_CHARS`` characters, ``MAX_TOKENS`` tokens and ``MAX_COMMENTS``
  comments, enforced by the parser while it reads (:func:`parse_document`): a longer document is
  refused before it is read to the end;
- selections: at most ``MAX_SELECTIONS`` fields, fragment spreads and inline fragments in the whole
  document, counted before the standard validation runs. Some standard rules compare selections
  pairwise (``OverlappingFieldsCanBeMerged`` is quadratic in the fields that share a response name;
  ``NoUnusedVariables`` walks the fragments of every operation), so the input is kept small enough
  that their worst case stays a moment of work;
- depth: at most ``MAX_DEPTH`` nested selections (introspection fields are not counted);
- aliases: at most ``MAX_ALIASES`` per operation (counted once per use of a fragment);
- complexity: a budget of ``MAX_COMPLEXITY`` points. A field costs 1 plus its selections; the
  selections of a paginated field count ``limit`` times (its actual value, variables included), those
  of any other list field ``NESTED_LIST_FACTOR`` times (the size of a list nobody paginates, such as a
  deal's tickets, is unknown before running).
- list sizes: ``limit`` is at most 1000, checked by each list field (``BAD_USER_INPUT``).

The cost walk is linear in the size of the document: the cost of a fragment is computed once per
parent type (and pagination context) and reused at every spread, and the walk stops as soon as the
aliases or the complexity pass their budget, so a fragment spread twice in each of forty nested
fragments costs forty steps, not 2^40.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from strawberry.extensions import SchemaExtension

from dealbench.graphql.errors import LimitExceeded
from dealbench.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    Visitor,
    get_named_type,
    parse,
    validate,
    visit,
)

MAX_DOCUMENT_CHARS = 100_000
MAX_TOKENS = 5_000
MAX_COMMENTS = 1_000
MAX_SELECTIONS = 400
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_COMPLEXITY = 250_000
NESTED_LIST_FACTOR = 10


def parse_document(query: str) -> DocumentNode:
    """Parse ``query`` within the size limits; raises :class:`LimitExceeded` or a syntax error."""
    if len(query) > MAX_DOCUMENT_CHARS:
        raise LimitExceeded(
            f"The document has {len(query)} characters; the limit is {MAX_DOCUMENT_CHARS}.",
            "characters",
            MAX_DOCUMENT_CHARS,
            len(query),
        )
    try:
        return parse(query, max_lexical_tokens=MAX_TOKENS, max_comments=MAX_COMMENTS)
    except GraphQLSyntaxError as exc:
        for limit, maximum in (("tokens", MAX_TOKENS), ("comments", MAX_COMMENTS)):
            if f"contains more than {maximum} {limit}" in exc.message:
                raise LimitExceeded(
                    f"The document has more than {maximum} {limit}; the limit is {maximum}.",
                    limit,
                    maximum,
                    None,
                ) from None
        raise


class _Shape(Visitor):
    """One pass over the document: its selections, and the first string literal holding a NUL."""

    def __init__(self) -> None:
        super().__init__()
        self.selections = 0
        self.nul = False

    def enter_field(self, *_args: Any) -> None:
        self.selections += 1

    def enter_fragment_spread(self, *_args: Any) -> None:
        self.selections += 1

    def enter_inline_fragment(self, *_args: Any) -> None:
        self.selections += 1

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if "\x00" in node.value:
            self.nul = True


def shape_errors(document: DocumentNode) -> list[GraphQLError]:
    """What can be refused from the document's shape alone, before the standard validation."""
    shape = _Shape()
    visit(document, shape)
    if shape.selections > MAX_SELECTIONS:
        return [
            LimitExceeded(
                f"The document has {shape.selections} selections (fields and fragments); "
                f"the limit is {MAX_SELECTIONS}.",
                "selections",
                MAX_SELECTIONS,
                shape.selections,
            )
        ]
    if shape.nul:
        return [
            GraphQLError(
                "Text may not contain the NUL character (\\u0000).",
                extensions={"code": "BAD_USER_INPUT"},
            )
        ]
    return []


@dataclass
class Measure:
    depth: int = 0
    aliases: int = 0
    complexity: int = 0
    #: selections looked at by the walk (its work)
    visits: int = 0
    #: the budget the walk stopped at (its measures are then lower bounds)
    exceeded: str | None = None


@dataclass(frozen=True, slots=True)
class _Cost:
    complexity: int
    aliases: int
    #: levels of (non-introspection) fields below and including this selection set
    depth: int


_NOTHING = _Cost(0, 0, 0)


class _OverBudget(Exception):
    def __init__(self, limit: str, cost: _Cost) -> None:
        super().__init__(limit)
        self.limit = limit
        self.cost = cost


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.visits = 0
        self._memo: dict[tuple[str, str | None, bool], _Cost] = {}
        self._active: set[str] = set()

    def _limit(self, node: FieldNode) -> int | None:
        for arg in node.arguments or ():
            if arg.name.value != "limit":
                continue
            value = arg.value
            if isinstance(value, IntValueNode):
                return max(1, min(int(value.value), MAX_LIMIT))
            if isinstance(value, VariableNode):
                raw = self.variables.get(value.name.value)
                return max(1, min(raw, MAX_LIMIT)) if isinstance(raw, int) else MAX_LIMIT
            return MAX_LIMIT
        return None

    def _fragment(self, name: str, parent: GraphQLObjectType | None, paginated: bool) -> _Cost:
        fragment = self.fragments.get(name)
        if fragment is None or name in self._active:
            return _NOTHING  # unknown or cyclic: refused by the standard validation anyway
        key = (name, parent.name if parent is not None else None, paginated)
        found = self._memo.get(key)
        if found is None:
            self._active.add(name)
            try:
                found = self.cost(fragment.selection_set, parent, paginated)
            finally:
                self._active.discard(name)
            self._memo[key] = found
        return found

    def cost(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType | None, paginated: bool
    ) -> _Cost:
        """The cost of a selection set whose fields are those of ``parent``; raises
        :class:`_OverBudget` as soon as the aliases or the complexity pass their budget."""
        complexity = aliases = depth = 0
        for node in selection_set.selections:
            self.visits += 1
            if isinstance(node, FieldNode):
                name = node.name.value
                if name.startswith("__"):
                    continue  # introspection: free, and deep by nature
                if node.alias is not None:
                    aliases += 1
                if node.selection_set is None:
                    complexity += 1
                    depth = max(depth, 1)
                else:
                    field: GraphQLField | None = parent.fields.get(name) if parent is not None else None
                    child_type = get_named_type(field.type) if field is not None else None
                    child_parent = child_type if isinstance(child_type, GraphQLObjectType) else None
                    limit = self._limit(node)
                    field_type = field.type if field is not None else None
                    if isinstance(field_type, GraphQLNonNull):
                        field_type = field_type.of_type
                    if limit is None and field is not None and "limit" in field.args:
                        limit = DEFAULT_LIMIT  # a paginated field called without `limit`: the default page
                    inner = self.cost(node.selection_set, child_parent, paginated=limit is not None)
                    if limit is not None:
                        factor = limit
                    elif isinstance(field_type, GraphQLList):
                        factor = 1 if paginated else NESTED_LIST_FACTOR
                    else:
                        factor = 1
                    complexity += 1 + factor * inner.complexity
                    aliases += inner.aliases
                    depth = max(depth, 1 + inner.depth)
            else:
                if isinstance(node, InlineFragmentNode):
                    inner = self.cost(node.selection_set, parent, paginated)
                elif isinstance(node, FragmentSpreadNode):
                    inner = self._fragment(node.name.value, parent, paginated)
                else:  # pragma: no cover - no other kind of selection exists
                    continue
                complexity += inner.complexity
                aliases += inner.aliases
                depth = max(depth, inner.depth)
            # Every factor is at least 1: a partial sum that passes a budget stays past it.
            if aliases > MAX_ALIASES:
                raise _OverBudget("aliases", _Cost(complexity, aliases, depth))
            if complexity > MAX_COMPLEXITY:
                raise _OverBudget("complexity", _Cost(complexity, aliases, depth))
        return _Cost(complexity, aliases, depth)


def measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, Any],
    variables: dict[str, Any],
) -> Measure:
    walker = _Walker(schema, fragments, variables or {})
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    try:
        cost = walker.cost(operation.selection_set, root, paginated=False)
    except _OverBudget as over:
        cost = over.cost
        exceeded: str | None = over.limit
    else:
        exceeded = None
    return Measure(
        depth=cost.depth,
        aliases=cost.aliases,
        complexity=cost.complexity,
        visits=walker.visits,
        exceeded=exceeded,
    )


def check(schema: GraphQLSchema, document: Any, variables: dict[str, Any] | None) -> list[LimitExceeded]:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    errors: list[LimitExceeded] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        m = measure(schema, definition, fragments, variables or {})
        label = f"Operation '{definition.name.value}'" if definition.name else "The operation"
        if m.exceeded == "aliases":
            errors.append(
                LimitExceeded(
                    f"{label} uses more than {MAX_ALIASES} aliases; the limit is {MAX_ALIASES}.",
                    "aliases",
                    MAX_ALIASES,
                    m.aliases,
                    definition,
                )
            )
        elif m.exceeded == "complexity":
            errors.append(
                LimitExceeded(
                    f"{label} has a complexity of more than {MAX_COMPLEXITY} points (the budget): "
                    f"{m.complexity} were counted before the walk stopped. "
                    "Ask for smaller pages (`limit`) or fewer nested lists.",
                    "complexity",
                    MAX_COMPLEXITY,
                    m.complexity,
                    definition,
                )
            )
        elif m.depth > MAX_DEPTH:
            errors.append(
                LimitExceeded(
                    f"{label} is nested {m.depth} levels deep; the limit is {MAX_DEPTH}.",
                    "depth",
                    MAX_DEPTH,
                    m.depth,
                    definition,
                )
            )
    return errors


class Limits(SchemaExtension):
    """Bounds every step before execution: the parse (size), the shape (selections, before the
    standard validation runs), then the standard validation, then the limits that need the
    variables' values (depth, aliases, complexity).

    The endpoint parses the document itself (it needs the operation's type first) and hands it
    over in the context (``document``); any other caller's query is parsed here, within the limits.
    """

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query is not None:
            document = getattr(context.context, "document", None)
            # A refused document raises here: Strawberry answers it as a pre-execution error.
            context.graphql_document = document if document is not None else parse_document(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            schema = context.schema._schema
            errors = shape_errors(document)
            if not errors:
                errors = list(validate(schema, document, context.validation_rules))
            if not errors:
                errors.extend(check(schema, document, context.variables))
            context.pre_execution_errors = errors
        yield
