/**
 * "Did you mean …?" for a mistyped config key: the nearest known key by edit
 * distance, when it is near enough to be the obvious intent.
 */

/**
 * The fix for an unknown key: "did you mean invokers? A service takes …" when a
 * known key is the typo's near neighbour (case, a missing or extra letter, a
 * swap), else just `rest`.
 */
export function didYouMean(key: string, known: readonly string[], rest: string): string {
  const lower = key.toLowerCase();
  const scored = known.map((candidate) => ({ candidate, distance: editDistance(lower, candidate.toLowerCase()) }));
  const best = scored.sort((a, b) => a.distance - b.distance)[0];
  const near = best !== undefined && best.distance <= Math.min(2, Math.floor(best.candidate.length / 3));
  return near ? `did you mean ${best.candidate}? ${rest.charAt(0).toUpperCase()}${rest.slice(1)}` : rest;
}

/** Levenshtein distance, with an adjacent swap counted as one edit. Keys are short. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
