/**
 * Close-match scoring for names people say ("the website one" → "Website Redesign"), in plain
 * TypeScript because PGlite has no pg_trgm.
 */

export interface Match {
  /** 0 exact, 1 prefix, 2 contains, 3 similar */
  rank: 0 | 1 | 2 | 3;
  /** 0..1, higher is closer; orders matches of the same rank */
  score: number;
}

// Words that say nothing about which project a person means ("the website one").
const FILLER = new Set(["the", "a", "an", "one", "project", "my", "our", "of", "for", "on", "that", "this"]);

const words = (s: string) =>
  s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0 && !FILLER.has(w));

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

const similarity = (a: string, b: string) => 1 - levenshtein(a, b) / Math.max(a.length, b.length, 1);

/** How close `name` is to what was said, or undefined when it is not a plausible match. */
export function matchName(query: string, name: string): Match | undefined {
  const q = query.trim().toLowerCase();
  const n = name.trim().toLowerCase();
  if (q.length === 0) return undefined;
  if (q === n) return { rank: 0, score: 1 };
  if (n.startsWith(q)) return { rank: 1, score: q.length / n.length };
  if (n.includes(q)) return { rank: 2, score: q.length / n.length };

  // Each query word counts by its best fuzzy hit among the name's words ("websit" ≈ "website").
  const qw = words(q);
  const nw = words(n);
  if (qw.length === 0 || nw.length === 0) return undefined;
  let hit = 0;
  for (const w of qw) {
    const best = Math.max(...nw.map((x) => (x.startsWith(w) || w.startsWith(x) ? 1 : similarity(w, x))));
    if (best >= 0.75) hit += best;
  }
  // the share of what was said that the name covers
  const overlap = hit / qw.length;
  const score = Math.max(overlap, similarity(q, n));
  return score >= 0.5 ? { rank: 3, score } : undefined;
}
