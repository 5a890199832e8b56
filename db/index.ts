import 'server-only';
import { getClient, type Db } from './client';

export type { Db, Queryable, Tx } from './client';

/** The database. Opened on first use, not at import, so `next build` never touches it. */
export const db = new Proxy({} as Db, {
  get(_, prop) {
    const real = getClient().db;
    const value = Reflect.get(real, prop, real);
    return typeof value === 'function' ? value.bind(real) : value;
  },
});
