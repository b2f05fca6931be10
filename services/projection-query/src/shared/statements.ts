import { statement, type Statement } from '@billing/platform/db';

/** PostgreSQL truncates longer statement names, and two names cut to the same prefix would collide. */
const STATEMENT_NAME_MAX = 63;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * A fixed statement over read-model tables, one per schema (`projection_<schema>_<name>`): the table
 * names are part of the text, so the live schema and a rebuild's each get a prepared statement of their
 * own. A swap renames schemas, which makes PostgreSQL resolve a prepared statement's names again at its
 * next execution. Statements list their columns rather than `*`: a prepared statement's result may not
 * change shape, as it would if a rebuild swapped in tables with more columns.
 */
export function perSchema(name: string, text: (schema: string) => string): (schema: string) => Statement {
  const bySchema = new Map<string, Statement>();
  return (schema) => {
    let s = bySchema.get(schema);
    if (s === undefined) {
      const full = `projection_${schema}_${name}`;
      // The schema goes into the text unquoted, so it must be a plain identifier.
      if (!SCHEMA_NAME.test(schema)) throw new Error(`unusual read-model schema name "${schema}"`);
      if (full.length > STATEMENT_NAME_MAX) throw new Error(`statement name "${full}" is too long`);
      s = statement(full, text(schema));
      bySchema.set(schema, s);
    }
    return s;
  };
}
