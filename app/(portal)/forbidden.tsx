import { StatusPage } from '@/components/shell/status-page';

// 403 inside the shell: ordinary content of the portal's <main>; the refused page keeps its title.
export default function Forbidden() {
  return <StatusPage code={403} />;
}
