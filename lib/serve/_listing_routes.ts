/**
 * `/v2/<name>/tags/list` and `/v2/_catalog`, paginated with `?n=&last=` and a `Link` header to the next
 * page.
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags
 * @module
 */
import { HttpError, jsonReply, nextLink, paginate, type RouteContext, toHttpError } from "./_http.ts";

async function collect(items: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const x of items) out.push(x);
  return out;
}

/** GET of a repository's tags. */
export async function listTags(c: RouteContext, repo: string): Promise<Response> {
  let tags: string[] = [];
  try {
    if (c.store.listTags) tags = await collect(c.store.listTags(repo, { signal: c.signal }));
    if (tags.length === 0 && c.store.listRepositories) {
      const repos = await collect(c.store.listRepositories({ signal: c.signal }));
      if (!repos.includes(repo)) throw new HttpError(404, "NAME_UNKNOWN", `Repository ${repo} is unknown`);
    }
  } catch (e) {
    throw toHttpError(e, "NAME_UNKNOWN");
  }
  const { page, next, n } = paginate(tags, c.url);
  const headers: Record<string, string> = {};
  if (next !== undefined && n !== undefined) headers["Link"] = nextLink(`/v2/${repo}/tags/list`, n, next);
  return jsonReply({ name: repo, tags: page }, headers);
}

/** GET of the repository catalog. */
export async function listCatalog(c: RouteContext): Promise<Response> {
  let repos: string[] = [];
  try {
    if (c.store.listRepositories) repos = await collect(c.store.listRepositories({ signal: c.signal }));
  } catch (e) {
    throw toHttpError(e);
  }
  const { page, next, n } = paginate(repos, c.url);
  const headers: Record<string, string> = {};
  if (next !== undefined && n !== undefined) headers["Link"] = nextLink("/v2/_catalog", n, next);
  return jsonReply({ repositories: page }, headers);
}
