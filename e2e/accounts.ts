// The accounts the seeded browser-test server starts with (test fixtures, never product defaults).
export const ORGANIZATION = 'Acme Test Corp';
export const PASSWORD = 'Correct-Horse-42-Battery';

type Account = {
  email: string;
  firstName: string;
  lastName: string;
  role: 'Administrator' | 'Account Manager' | 'User';
  state?: 'locked' | 'invited' | 'must-change-password';
  environment?: 'Sandbox';
};

export const SECOND_ENVIRONMENT = 'Sandbox';

/** An environment of its own for e2e/bulk-job.spec.ts: enough users that a bulk action runs in the background. */
export const CROWDED_ENVIRONMENT = 'Overflow';
export const CROWD = { size: 10_000, lastName: 'Crowd', email: (i: number) => `crowd.${String(i).padStart(4, '0')}@acme.test` };

export const ACCOUNTS = {
  admin: { email: 'ada.admin@acme.test', firstName: 'Ada', lastName: 'Admin', role: 'Administrator' },
  manager: { email: 'mario.manager@acme.test', firstName: 'Mario', lastName: 'Manager', role: 'Account Manager' },
  member: { email: 'uma.user@acme.test', firstName: 'Uma', lastName: 'User', role: 'User' },
  lockable: { email: 'lars.lockable@acme.test', firstName: 'Lars', lastName: 'Lockable', role: 'User' },
  resettable: { email: 'rita.reset@acme.test', firstName: 'Rita', lastName: 'Reset', role: 'User', state: 'locked' },
  bulkOne: { email: 'bea.bulk@acme.test', firstName: 'Bea', lastName: 'Bulk', role: 'User', state: 'locked' },
  bulkTwo: { email: 'bo.bulk@acme.test', firstName: 'Bo', lastName: 'Bulk', role: 'User', state: 'locked' },
  bulkResetOne: { email: 'rex.reset@acme.test', firstName: 'Rex', lastName: 'Resetmany', role: 'User', state: 'locked' },
  bulkResetTwo: { email: 'ria.reset@acme.test', firstName: 'Ria', lastName: 'Resetmany', role: 'User', state: 'locked' },
  invited: { email: 'ivy.invited@acme.test', firstName: 'Ivy', lastName: 'Invited', role: 'User', state: 'invited' },
  forced: { email: 'fred.forced@acme.test', firstName: 'Fred', lastName: 'Forced', role: 'User', state: 'must-change-password' },
  forcedManager: { email: 'quirin.quillback@acme.test', firstName: 'Quirin', lastName: 'Quillback', role: 'Account Manager', state: 'must-change-password' },
  passwordChanger: { email: 'pat.changer@acme.test', firstName: 'Pat', lastName: 'Changer', role: 'User' },
  banTarget: { email: 'bernd.banned@acme.test', firstName: 'Bernd', lastName: 'Bannister', role: 'User' },
  roleTarget: { email: 'rosa.role@acme.test', firstName: 'Rosa', lastName: 'Rollins', role: 'User' },
  staleTarget: { email: 'stan.stale@acme.test', firstName: 'Stan', lastName: 'Stale', role: 'User' },
  sandboxOnly: { email: 'sandy.sandbox@acme.test', firstName: 'Sandy', lastName: 'Sandbox', role: 'User', environment: 'Sandbox' },
  thresholdTest: { email: 'theo.threshold@acme.test', firstName: 'Theo', lastName: 'Threshold', role: 'User' },
} as const satisfies Record<string, Account>;

export type AccountName = keyof typeof ACCOUNTS;
