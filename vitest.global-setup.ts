// PostgreSQL tests: one migrated template database per run; each test file clones it (fast, isolated).
import type { TestProject } from 'vitest/node';
import postgres from 'postgres';

export default async function setup(project: TestProject) {
  const base = process.env.TEST_DATABASE_URL!;
  // Named after the base database, so its owner (CI) can sweep up after an abrupt stop.
  const template = `${new URL(base).pathname.slice(1) || 'userdesk'}_tpl_${process.pid}`.slice(0, 63);
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${template}" with (force)`);
  await admin.unsafe(`create database "${template}"`);
  const url = new URL(base);
  url.pathname = `/${template}`;
  const { runMigrations } = await import('./db/migrate');
  await runMigrations(url.toString());
  project.provide('templateDatabase', template);
  return async () => {
    await admin.unsafe(`drop database if exists "${template}" with (force)`);
    await admin.end();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}
