/** Token pagination as AWS list APIs do it: an opaque token naming where the next page starts. */
export function page<T>(
  items: readonly T[],
  nextToken: string | null | undefined,
  maxResults: number | string | null | undefined,
  pageSize: number,
): { items: T[]; nextToken?: string } {
  const start = nextToken ? Number(Buffer.from(nextToken, "base64").toString("utf8")) : 0;
  const size = Math.min(pageSize, Number(maxResults) || pageSize);
  const end = start + size;
  const slice = items.slice(start, end);
  return end < items.length
    ? { items: slice, nextToken: Buffer.from(String(end)).toString("base64") }
    : { items: slice };
}
