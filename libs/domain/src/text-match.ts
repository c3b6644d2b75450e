/**
 * How Baton compares what people type into a CRM with its vocabularies: case, accents,
 * punctuation and spacing never matter ("Côte d'Ivoire" = "cote divoire", "U.S." = "us").
 */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/&/g, ' and ')
    .replace(/['’‘`´.]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * The candidates nearest to a text, best first: each candidate is compared through all its
 * spellings (id, label…), folded, and one containing the other counts as close.
 */
export function nearest<T>(
  text: string,
  candidates: Iterable<{ value: T; spellings: readonly string[] }>,
  max = 3,
): T[] {
  const query = foldText(text);
  if (!query) return [];
  const scored: { value: T; score: number }[] = [];
  for (const c of candidates) {
    let best = Infinity;
    for (const s of c.spellings) {
      const f = foldText(s);
      if (!f) continue;
      const d =
        f === query
          ? 0
          : Math.min(f.length, query.length) >= 4 && (f.startsWith(query) || query.startsWith(f))
            ? 0.1
            : Math.min(f.length, query.length) >= 4 && (f.includes(query) || query.includes(f))
              ? 0.2
              : 0.2 + editDistance(query, f) / Math.max(query.length, f.length);
      best = Math.min(best, d);
    }
    // More than half the letters apart is no longer a typo, just a different word.
    if (best < 0.7) scored.push({ value: c.value, score: best });
  }
  return scored
    .sort((a, b) => a.score - b.score)
    .slice(0, max)
    .map((s) => s.value);
}
