import { StatusPage } from '@/components/shell/status-page';

// 404 inside the shell (a record that does not exist or is outside the viewer's environments).
export default function NotFound() {
  return <StatusPage code={404} />;
}
