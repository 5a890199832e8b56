import type { Metadata } from 'next';
import { StatusPage } from '@/components/shell/status-page';

export const metadata: Metadata = { title: 'Not found' };

// 404 for addresses outside the portal's frame (the portal has its own, inside the shell).
export default function NotFound() {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <StatusPage code={404} />
    </main>
  );
}
