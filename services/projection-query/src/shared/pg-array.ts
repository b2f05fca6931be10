/**
 * A PostgreSQL array literal for a bound parameter (`= any(?::uuid[])`). Knex expands a JavaScript array
 * bound to `?` in a raw query into a list of parameters, so arrays travel as one text parameter instead.
 */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
