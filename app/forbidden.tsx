import { StatusPage } from '@/components/shell/status-page';

// 403 outside the portal's frame (the portal has its own, inside the shell).
export default function Forbidden() {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <StatusPage code={403} />
    </main>
  );
}
