/**
 * Typed SQL's one source of truth for a table's shape. Each repository declares the tables it
 * owns with `table(name, columns)`: column name -> PostgreSQL type (its `udt_name`), with a `?`
 * suffix when the column is nullable. The row type follows from the declaration (`RowOf`), and
 * `test/schema-tables.e2e-spec.ts` checks every declaration against the migrated schema (names,
 * types, nullability, no table or column left undeclared), so a migration that changes a column
 * fails the suite until the repository that owns it says so.
 *
 * TypeORM stays the connection, transaction and migration layer; there are no entities.
 */

type PgType =
  | 'uuid'
  | 'text'
  | 'varchar'
  | 'date'
  | 'int8'
  | 'tsvector'
  | 'int4'
  | 'int2'
  | 'float8'
  | 'numeric'
  | 'bool'
  | 'timestamptz'
  | 'jsonb'
  | 'bytea'
  | '_text'
  | '_uuid';

export type ColumnSpec = PgType | `${PgType}?`;

type TsOf<T extends PgType> = T extends 'int4' | 'int2' | 'float8'
  ? number
  : T extends 'bool'
    ? boolean
    : T extends 'timestamptz'
      ? Date
      : T extends 'jsonb'
        ? unknown
        : T extends 'bytea'
          ? Buffer
          : T extends '_text' | '_uuid'
            ? string[]
            : string; // uuid, text, varchar, date, int8 and numeric (pg returns them as strings), tsvector

type ValueOf<S extends ColumnSpec> = S extends `${infer B extends PgType}?`
  ? TsOf<B> | null
  : S extends PgType
    ? TsOf<S>
    : never;

export interface Table<C extends Record<string, ColumnSpec> = Record<string, ColumnSpec>> {
  readonly name: string;
  readonly columns: C;
}

/** A table's row as `SELECT *` returns it (jsonb columns are `unknown` until a repository narrows them). */
export type RowOf<T extends Table> = { [K in keyof T['columns']]: ValueOf<T['columns'][K]> };

const declared = new Map<string, Table>();

/** Declares a table (once, in the repository that owns it). */
export function table<const C extends Record<string, ColumnSpec>>(
  name: string,
  columns: C,
): Table<C> {
  if (declared.has(name)) throw new Error(`table ${name} is declared twice`);
  const t = { name, columns };
  declared.set(name, t);
  return t;
}

/** Every table declared so far (the schema test imports every repository first). */
export function declaredTables(): Table[] {
  return [...declared.values()];
}

/** `col1, col2, ...` of a table, optionally prefixed with an alias: for SELECT lists. */
export function columnList(t: Table, alias?: string): string {
  return Object.keys(t.columns)
    .map((c) => (alias ? `${alias}.${c}` : c))
    .join(', ');
}
