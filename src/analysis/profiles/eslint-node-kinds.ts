/**
 * The tree-sitter node types (tree-sitter-javascript 0.25, tree-sitter-typescript 0.23) that the
 * ESLint `complexity` and SonarJS `cognitive-complexity` rules react to, folded into small integer
 * codes. The walker looks codes up by numeric node type id, so it never reads a type name twice.
 * Mapping: docs `metrics-reference.md` section 8.2.
 */

/** Low bits of a kind: which rule-relevant construct the node is. */
export const KIND_MASK = 0x3f
/** The node is named (not an anonymous token). */
export const NAMED = 0x40
/** Nothing inside the node can count (comments, strings, type-level syntax): the walk skips it. */
export const SKIP_SUBTREE = 0x80

export const OTHER = 0
export const FUNCTION_DECLARATION = 1
export const FUNCTION_EXPRESSION = 2
export const ARROW_FUNCTION = 3
export const METHOD = 4
export const FIELD = 5
export const STATIC_BLOCK = 6
export const IF = 7
export const ELSE = 8
export const TERNARY = 9
export const LOOP = 10
export const SWITCH = 11
export const SWITCH_CASE = 12
export const SWITCH_DEFAULT = 13
export const CATCH = 14
export const JUMP = 15
export const LABEL = 16
export const BINARY = 17
export const PARENTHESIZED = 18
export const JSX_EXPRESSION = 19
export const OPTIONAL_CHAIN = 20
export const DEFAULT_PATTERN = 21
export const PARAMETER = 22
export const COMMENT = 23
export const MEMBER_HEAD = 24
export const CLASS = 25
export const FORMAL_PARAMETERS = 32
export const THIS = 33
export const TOKEN_ARROW = 34
export const TOKEN_FUNCTION = 35
/** A bare `?.` token: tree-sitter-typescript leaves it so in optional calls `f?.()`. */
export const TOKEN_OPTIONAL_CHAIN = 36
export const PAIR = 37
export const VARIABLE_DECLARATOR = 38
export const ASSIGNMENT = 39
export const TOKEN_AND = 26
export const TOKEN_OR = 27
export const TOKEN_NULLISH = 28
export const TOKEN_LOGICAL_ASSIGNMENT = 29
export const TOKEN_EQUALS = 30
export const TOKEN_ACCESSOR = 31

const NAMED_KINDS = new Map<string, number>(
  Object.entries({
    function_declaration: FUNCTION_DECLARATION,
    generator_function_declaration: FUNCTION_DECLARATION,
    function_expression: FUNCTION_EXPRESSION,
    generator_function: FUNCTION_EXPRESSION,
    arrow_function: ARROW_FUNCTION,
    method_definition: METHOD,
    field_definition: FIELD,
    public_field_definition: FIELD,
    class_static_block: STATIC_BLOCK,
    if_statement: IF,
    else_clause: ELSE,
    ternary_expression: TERNARY,
    for_statement: LOOP,
    for_in_statement: LOOP,
    while_statement: LOOP,
    do_statement: LOOP,
    switch_statement: SWITCH,
    switch_case: SWITCH_CASE,
    switch_default: SWITCH_DEFAULT,
    catch_clause: CATCH,
    break_statement: JUMP,
    continue_statement: JUMP,
    statement_identifier: LABEL,
    binary_expression: BINARY,
    parenthesized_expression: PARENTHESIZED,
    jsx_expression: JSX_EXPRESSION,
    optional_chain: OPTIONAL_CHAIN,
    assignment_pattern: DEFAULT_PATTERN,
    object_assignment_pattern: DEFAULT_PATTERN,
    required_parameter: PARAMETER,
    optional_parameter: PARAMETER,
    comment: COMMENT,
    html_comment: COMMENT,
    decorator: MEMBER_HEAD,
    computed_property_name: MEMBER_HEAD,
    class_declaration: CLASS,
    abstract_class_declaration: CLASS,
    class: CLASS,
    formal_parameters: FORMAL_PARAMETERS,
    pair: PAIR,
    variable_declarator: VARIABLE_DECLARATOR,
    assignment_expression: ASSIGNMENT,
    this: THIS,
  }),
)

const TOKEN_KINDS = new Map<string, number>(
  Object.entries({
    '&&': TOKEN_AND,
    '||': TOKEN_OR,
    '??': TOKEN_NULLISH,
    '&&=': TOKEN_LOGICAL_ASSIGNMENT,
    '||=': TOKEN_LOGICAL_ASSIGNMENT,
    '??=': TOKEN_LOGICAL_ASSIGNMENT,
    '=': TOKEN_EQUALS,
    accessor: TOKEN_ACCESSOR,
    '=>': TOKEN_ARROW,
    function: TOKEN_FUNCTION,
    '?.': TOKEN_OPTIONAL_CHAIN,
  }),
)

// Subtrees that hold no expression ESLint or SonarJS could count: leaves (skipping them saves a
// native call each), literals and TypeScript's type-level syntax (no code path, no logical
// expression, no default value).
const SKIPPED = new Set([
  'identifier',
  'property_identifier',
  'private_property_identifier',
  'shorthand_property_identifier',
  'shorthand_property_identifier_pattern',
  'statement_identifier',
  'type_identifier',
  'predefined_type',
  'this',
  'this_type',
  'super',
  'null',
  'undefined',
  'true',
  'false',
  // In tree-sitter-typescript it wraps a `?.` token that must not count a second time.
  'optional_chain',
  'string_fragment',
  'escape_sequence',
  'html_character_reference',
  'regex_pattern',
  'regex_flags',
  'comment',
  'html_comment',
  'hash_bang_line',
  'string',
  'regex',
  'number',
  'jsx_text',
  'type_annotation',
  'type_arguments',
  'type_parameters',
  'asserts_annotation',
  'type_predicate_annotation',
  'interface_declaration',
  'type_alias_declaration',
  'ambient_declaration',
  'function_signature',
  'abstract_method_signature',
  'method_signature',
  'index_signature',
  'implements_clause',
])

/**
 * The kind code, with {@link NAMED} and {@link SKIP_SUBTREE} flags, of a node type. Anonymous
 * nodes are tokens, always leaves.
 */
export function classifyNodeType(type: string, named: boolean): number {
  if (!named) return (TOKEN_KINDS.get(type) ?? OTHER) | SKIP_SUBTREE
  const kind = NAMED_KINDS.get(type) ?? OTHER
  return kind | NAMED | (SKIPPED.has(type) ? SKIP_SUBTREE : 0)
}
