/** Rows of cells as aligned text lines, indented by two spaces: the columns in `alignRight` padded on the left. */
export function textTable(rows: readonly (readonly string[])[], alignRight: readonly number[] = []): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => "  " + r.map((cell, c) => (alignRight.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ").trimEnd());
}
