// The accounts the seeded browser-test server starts with (test fixtures, never product defaults).
export const ORGANIZATION = 'Acme Test Corp';
export const PASSWORD = 'Correct-Horse-42-Battery';

export const ACCOUNTS = {
  admin: { email: 'ada.admin@acme.test', firstName: 'Ada', lastName: 'Admin', role: 'Administrator' },
  manager: { email: 'mario.manager@acme.test', firstName: 'Mario', lastName: 'Manager', role: 'Account Manager' },
  member: { email: 'uma.user@acme.test', firstName: 'Uma', lastName: 'User', role: 'User' },
} as const;

export type AccountName = keyof typeof ACCOUNTS;
