// A refusal from a portal route handler (the CSV exports) as problem+json: a title saying why, never cached.
export const problem = (status: number, title: string) =>
  Response.json({ title, status }, { status, headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' } });
