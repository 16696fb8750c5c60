/**
 * `sha256:4f53ab12cd34`: the algorithm and the first 12 hex characters, enough to tell builds
 * apart in chat, on the board and in the CLI's tables. Anything that is not `algorithm:hex`
 * is shown as it is.
 */
export function shortDigest(digest: string): string {
  const [algorithm = '', hex] = digest.split(':', 2);
  return hex === undefined ? digest : `${algorithm}:${hex.slice(0, 12)}`;
}
